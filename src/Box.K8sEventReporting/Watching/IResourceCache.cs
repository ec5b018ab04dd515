using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>A thread-safe, read-only view of the watched objects, kept current by a watcher.</summary>
/// <typeparam name="T">The cached type.</typeparam>
public interface IResourceCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Gets a value indicating whether the initial list has been loaded into the cache.</summary>
    bool HasSynced { get; }

    /// <summary>Gets the number of cached objects.</summary>
    int Count { get; }

    /// <summary>Waits until the initial list has been loaded, starting the watcher if needed.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes once <see cref="HasSynced"/> is <see langword="true"/>.</returns>
    Task WaitForInitialSyncAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets one object by namespace and name.</summary>
    /// <param name="namespace">The namespace; <see langword="null"/> or empty for cluster-scoped objects.</param>
    /// <param name="name">The object's name.</param>
    /// <returns>The cached object, or <see langword="null"/> when it is not known.</returns>
    T? Get(string? @namespace, string name);

    /// <summary>Lists cached objects.</summary>
    /// <param name="namespace">Only this namespace, or every namespace when <see langword="null"/>.</param>
    /// <returns>A snapshot; later changes do not alter it.</returns>
    IReadOnlyList<T> List(string? @namespace = null);

    /// <summary>Lists the objects a named index maps <paramref name="indexedValue"/> to.</summary>
    /// <param name="indexName">An index registered on the watcher's options.</param>
    /// <param name="indexedValue">The value to look up.</param>
    /// <returns>A snapshot of the matching objects (empty when none).</returns>
    /// <exception cref="ArgumentException">No index has that name.</exception>
    IReadOnlyList<T> ListByIndex(string indexName, string indexedValue);
}
