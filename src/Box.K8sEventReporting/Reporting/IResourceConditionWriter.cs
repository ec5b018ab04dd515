using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Sets a condition in a resource's <c>status.conditions</c>, where <c>kubectl get</c> and <c>kubectl describe</c> show it.</summary>
public interface IResourceConditionWriter
{
    /// <summary>Sets <paramref name="condition"/> on <paramref name="resource"/> through its status subresource, unless it already holds.</summary>
    /// <typeparam name="T">The resource type (a custom resource with a status subresource).</typeparam>
    /// <param name="resource">The resource as last seen; its <c>status.conditions</c> are the base of the new list.</param>
    /// <param name="condition">The condition to set.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns><see langword="true"/> when a write was made; <see langword="false"/> when nothing changed or the resource is gone.</returns>
    Task<bool> SetConditionAsync<T>(T resource, ResourceCondition condition, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>
    /// Sets <paramref name="condition"/> and each of <paramref name="fields"/> (<c>status.&lt;name&gt;</c>) on
    /// <paramref name="resource"/> in one write through its status subresource, unless all of them already hold.
    /// </summary>
    /// <typeparam name="T">The resource type (a custom resource with a status subresource).</typeparam>
    /// <param name="resource">The resource as last seen; its status is the base of the write.</param>
    /// <param name="condition">The condition to set.</param>
    /// <param name="fields">Other status fields to set (a <see langword="null"/> value removes the field); may be empty.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns><see langword="true"/> when a write was made; <see langword="false"/> when nothing changed or the resource is gone.</returns>
    /// <exception cref="NotSupportedException">
    /// <paramref name="fields"/> is not empty and the writer sets conditions only (the default implementation).
    /// </exception>
    Task<bool> SetStatusAsync<T>(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(fields);
        return fields.Count == 0
            ? SetConditionAsync(resource, condition, cancellationToken)
            : throw new NotSupportedException(
                $"The condition writer {GetType().Name} cannot write other status fields ({string.Join(", ", fields.Keys)}); use ResourceConditionWriter.");
    }
}
