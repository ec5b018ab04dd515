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
}
