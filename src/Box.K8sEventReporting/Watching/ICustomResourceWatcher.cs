using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// Lists and watches one Kubernetes resource type (custom or built-in) and delivers its changes, backed by a shared cache.
/// </summary>
/// <typeparam name="T">
/// The watched type, identified by its <see cref="KubernetesEntityAttribute"/> (group, version, plural).
/// </typeparam>
/// <remarks>
/// One list+watch connection serves every consumer of the same watcher. Each call to
/// <see cref="WatchAsync(CancellationToken)"/> is one consumer: it first receives an
/// <see cref="ResourceChangeType.Added"/> for every object already in the cache, then every later change in order.
/// Dropped connections are resumed from the last resourceVersion seen; the stream itself only ends when
/// the consumer's cancellation token is cancelled or the watcher is disposed.
/// </remarks>
public interface ICustomResourceWatcher<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The local, eventually consistent copy of every watched object.</summary>
    IResourceCache<T> Cache { get; }

    /// <summary>Subscribes to the stream of changes, starting the shared list+watch if it is not running yet.</summary>
    /// <param name="cancellationToken">Ends this consumer's stream.</param>
    /// <returns>The changes, in the order the API server made them.</returns>
    IAsyncEnumerable<ResourceChange<T>> WatchAsync(CancellationToken cancellationToken = default);
}
