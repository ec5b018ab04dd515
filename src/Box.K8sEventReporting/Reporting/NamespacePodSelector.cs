using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Selects every cached pod in the resource's namespace (the original controller's behaviour).</summary>
/// <typeparam name="T">The resource type.</typeparam>
/// <remarks>Reports reach pods that have nothing to do with the resource; prefer <see cref="SecretConsumerPodSelector{T}"/>.</remarks>
public sealed class NamespacePodSelector<T> : IAffectedPodSelector<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IResourceCache<V1Pod> pods;

    /// <summary>Initializes a new instance of the <see cref="NamespacePodSelector{T}"/> class.</summary>
    /// <param name="pods">The pod cache.</param>
    /// <exception cref="ArgumentNullException"><paramref name="pods"/> is <see langword="null"/>.</exception>
    public NamespacePodSelector(IResourceCache<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        this.pods = pods;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(T resource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        cancellationToken.ThrowIfCancellationRequested();
        if (!pods.HasSynced)
        {
            return WaitThenSelectAsync(resource, cancellationToken);
        }

        return ValueTask.FromResult<IReadOnlyList<V1Pod>>(Select(resource));
    }

    private async ValueTask<IReadOnlyList<V1Pod>> WaitThenSelectAsync(T resource, CancellationToken cancellationToken)
    {
        // Before the pod cache's first sync an empty answer would silently skip every pod.
        await pods.WaitForInitialSyncAsync(cancellationToken).ConfigureAwait(false);
        return Select(resource);
    }

    private List<V1Pod> Select(T resource)
    {
        var @namespace = resource.Metadata?.NamespaceProperty;
        if (string.IsNullOrEmpty(@namespace))
        {
            return [];
        }

        var selected = pods.List(@namespace).Where(p => p.Metadata?.DeletionTimestamp is null).ToList();
        return selected;
    }
}
