using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>Where a list+watch loop delivers what it reads: the watcher's cache and consumers.</summary>
internal interface IListWatchTarget<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>A complete list of one scope arrived: replace that scope in the cache and deliver what changed.</summary>
    void OnListed(string? scopeNamespace, IReadOnlyList<WatchEvent<T>> items, bool isRelist);

    /// <summary>One watch event (Added, Modified, Deleted or DecodeFailed) arrived.</summary>
    void OnWatchEvent(WatchEvent<T> watchEvent);

    /// <summary>Something (including a bookmark) arrived on a watch.</summary>
    void OnActivity();

    /// <summary>A list failed (<paramref name="problem"/> says how and for how long) or, with <see langword="null"/>, succeeded.</summary>
    void OnListProblem(string? problem);
}
