using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Finds the pods that are affected by a resource, so that its errors can be reported where the owner looks.</summary>
/// <typeparam name="T">The resource type.</typeparam>
public interface IAffectedPodSelector<in T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Selects the pods affected by <paramref name="resource"/>.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="cancellationToken">Stops the selection.</param>
    /// <returns>The affected pods; empty when none.</returns>
    ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(T resource, CancellationToken cancellationToken = default);
}
