using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// What every cache-backed <see cref="IAffectedPodSelector{T}"/> shares: argument and cancellation checks, waiting for the
/// pod cache's first sync, reading the resource's namespace and skipping pods being deleted.
/// </summary>
internal static class CachedPodSelection
{
    /// <summary>Runs <paramref name="select"/> once the pod cache has synced.</summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <typeparam name="TState">The selector's state, passed to <paramref name="select"/> so that no closure is allocated.</typeparam>
    /// <param name="pods">The pod cache.</param>
    /// <param name="resource">The resource.</param>
    /// <param name="state">The selector's state.</param>
    /// <param name="select">Selects from the cache given the resource and its namespace (<see langword="null"/> or empty for a cluster-scoped resource, which selects nothing).</param>
    /// <param name="cancellationToken">Cancels the wait for the first sync.</param>
    /// <returns>The selected pods.</returns>
    public static ValueTask<IReadOnlyList<V1Pod>> SelectAsync<T, TState>(
        IResourceCache<V1Pod> pods,
        T resource,
        TState state,
        Func<TState, T, string?, List<V1Pod>> select,
        CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(resource);
        cancellationToken.ThrowIfCancellationRequested();
        if (!pods.HasSynced)
        {
            return WaitThenSelectAsync(pods, resource, state, select, cancellationToken);
        }

        return ValueTask.FromResult<IReadOnlyList<V1Pod>>(select(state, resource, resource.Metadata?.NamespaceProperty));
    }

    /// <summary>Gets whether <paramref name="pod"/> is not being deleted.</summary>
    /// <param name="pod">A cached pod.</param>
    /// <returns><see langword="true"/> unless the pod has a deletion timestamp.</returns>
    public static bool IsNotBeingDeleted(V1Pod pod) => pod.Metadata?.DeletionTimestamp is null;

    private static async ValueTask<IReadOnlyList<V1Pod>> WaitThenSelectAsync<T, TState>(
        IResourceCache<V1Pod> pods,
        T resource,
        TState state,
        Func<TState, T, string?, List<V1Pod>> select,
        CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        // Before the pod cache's first sync an empty answer would silently skip every pod.
        await pods.WaitForInitialSyncAsync(cancellationToken).ConfigureAwait(false);
        return select(state, resource, resource.Metadata?.NamespaceProperty);
    }
}
