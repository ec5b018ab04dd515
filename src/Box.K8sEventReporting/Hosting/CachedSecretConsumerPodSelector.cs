using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Selects, from the pod cache (no API call), the pods in the resource's namespace that consume its Secret.</summary>
internal sealed class CachedSecretConsumerPodSelector<T>(ICustomResourceWatcher<V1Pod> pods, Func<T, string?> secretName)
    : IAffectedPodSelector<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(T resource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (secretName(resource) is not { Length: > 0 } name)
        {
            return ValueTask.FromResult<IReadOnlyList<V1Pod>>([]);
        }

        IReadOnlyList<V1Pod> selected =
        [
            .. pods.Cache.List(resource.Metadata?.NamespaceProperty)
                .Where(pod => pod.Metadata?.DeletionTimestamp is null && PodSecretReferences.Of(pod).Contains(name)),
        ];
        return ValueTask.FromResult(selected);
    }
}
