using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Sets a condition and other status fields of a resource in one status write.</summary>
internal interface IResourceStatusWriter
{
    /// <summary>
    /// Sets <paramref name="condition"/> and each of <paramref name="fields"/> (<c>status.&lt;name&gt;</c>) on
    /// <paramref name="resource"/> in one write through its status subresource, unless all of them already hold.
    /// </summary>
    /// <typeparam name="T">The resource type (a custom resource with a status subresource).</typeparam>
    /// <param name="resource">The resource as last seen; its status is the base of the write.</param>
    /// <param name="condition">The condition to set.</param>
    /// <param name="fields">Other status fields to set (a <see langword="null"/> value removes the field).</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns><see langword="true"/> when a write was made; <see langword="false"/> when nothing changed or the resource is gone.</returns>
    Task<bool> SetStatusAsync<T>(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>;
}
