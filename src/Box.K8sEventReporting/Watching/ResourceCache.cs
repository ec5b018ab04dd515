using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// The watcher's store: objects by namespace and name, custom indexes, and the keys of objects that could not be decoded.
/// Every method that changes it returns the change consumers must see, so that the cache and the change streams never disagree.
/// </summary>
/// <remarks>
/// Thread safety: reads take <see cref="SyncRoot"/>; the watcher takes it around each change and its delivery to consumers.
/// Mutating methods (named <c>*Locked</c>) must be called with <see cref="SyncRoot"/> held.
/// </remarks>
internal sealed class ResourceCache<T> : IResourceCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly object gate = new();
    private readonly Dictionary<string, Dictionary<string, T>> byNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<ResourceKey, string?> undecodable = [];
    private readonly CacheIndexes<T> indexes;
    private readonly Func<CancellationToken, Task> waitForInitialSync;
    private int count;
    private volatile bool hasSynced;

    public ResourceCache(
        IEnumerable<CustomResourceWatcherOptions.IndexRegistration> indexRegistrations,
        Func<CancellationToken, Task> waitForInitialSync,
        Action<string, T, Exception> onIndexError)
    {
        indexes = new CacheIndexes<T>(indexRegistrations, onIndexError);
        this.waitForInitialSync = waitForInitialSync;
    }

    public object SyncRoot => gate;

    public bool HasSynced => hasSynced;

    public int Count => Volatile.Read(ref count);

    public Task WaitForInitialSyncAsync(CancellationToken cancellationToken = default) => waitForInitialSync(cancellationToken);

    public T? Get(string? @namespace, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (gate)
        {
            return byNamespace.TryGetValue(@namespace ?? string.Empty, out var objects) && objects.TryGetValue(name, out var obj) ? obj : null;
        }
    }

    public IReadOnlyList<T> List(string? @namespace = null)
    {
        lock (gate)
        {
            if (@namespace is not null)
            {
                return byNamespace.TryGetValue(@namespace, out var objects) ? [.. objects.Values] : [];
            }

            return SnapshotLocked();
        }
    }

    public IReadOnlyList<T> ListByIndex(string indexName, string indexedValue)
    {
        ArgumentNullException.ThrowIfNull(indexName);
        ArgumentNullException.ThrowIfNull(indexedValue);
        lock (gate)
        {
            if (indexes.Keys(indexName, indexedValue) is not { } keys)
            {
                return [];
            }

            var result = new List<T>(keys.Count);
            foreach (var key in keys)
            {
                if (TryGetLocked(key, out var obj))
                {
                    result.Add(obj);
                }
            }

            return result;
        }
    }

    internal void MarkSynced() => hasSynced = true;

    internal List<T> SnapshotLocked()
    {
        var all = new List<T>(count);
        foreach (var objects in byNamespace.Values)
        {
            all.AddRange(objects.Values);
        }

        return all;
    }

    internal bool TryGetLocked(ResourceKey key, out T obj)
    {
        obj = null!;
        return byNamespace.TryGetValue(key.NamespaceOrEmpty, out var objects) && objects.TryGetValue(key.Name, out obj!);
    }

    /// <summary>Applies an ADDED or MODIFIED object.</summary>
    /// <returns>The change for consumers, or <see langword="null"/> when the cache already holds this resourceVersion.</returns>
    internal ResourceChange<T>? UpsertLocked(T obj)
    {
        var key = KeyOf(obj);
        undecodable.Remove(key);
        if (TryGetLocked(key, out var old))
        {
            if (SameVersion(old, obj))
            {
                return null;
            }

            SetLocked(key, obj, old);
            return new ResourceChange<T>(ResourceChangeType.Modified, obj, old);
        }

        SetLocked(key, obj, null);
        return new ResourceChange<T>(ResourceChangeType.Added, obj);
    }

    /// <summary>Applies a DELETED object.</summary>
    /// <returns>Deleted with the state the server sent, or <see langword="null"/> when the object was not cached (no phantom deletes).</returns>
    internal ResourceChange<T>? DeleteLocked(T obj)
    {
        var key = KeyOf(obj);
        undecodable.Remove(key);
        return RemoveLocked(key) is not null ? new ResourceChange<T>(ResourceChangeType.Deleted, obj) : null;
    }

    /// <summary>Applies an object that could not be decoded.</summary>
    /// <returns>
    /// For a readable key: a DELETED of a cached object becomes Deleted with its last cached state; anything else becomes
    /// DecodeFailed, with the removed cached state (if any) as old resource. A failure already reported for the same
    /// resourceVersion returns <see langword="null"/>.
    /// </returns>
    internal ResourceChange<T>? DecodeFailedLocked(ResourceDecodeFailure failure, bool isDelete)
    {
        if (string.IsNullOrEmpty(failure.Name))
        {
            return isDelete ? null : new ResourceChange<T>(ResourceChangeType.DecodeFailed, null, null, failure);
        }

        var key = ResourceKey.Of(failure.Namespace, failure.Name);
        var old = RemoveLocked(key);
        if (isDelete)
        {
            undecodable.Remove(key);
            return old is null ? null : new ResourceChange<T>(ResourceChangeType.Deleted, old);
        }

        if (old is null && undecodable.TryGetValue(key, out var knownVersion) && knownVersion is not null && knownVersion == failure.ResourceVersion)
        {
            return null;
        }

        undecodable[key] = failure.ResourceVersion;
        return new ResourceChange<T>(ResourceChangeType.DecodeFailed, null, old, failure);
    }

    /// <summary>
    /// Replaces everything in <paramref name="scopeNamespace"/> (or everything, when <see langword="null"/>) with a fresh list and
    /// returns exactly the changes a consumer of the old state missed: Added for new objects, Modified for a changed
    /// resourceVersion, Deleted (with the last cached state) for objects that are gone, DecodeFailed for newly unreadable ones.
    /// </summary>
    internal List<ResourceChange<T>> ReplaceLocked(string? scopeNamespace, IReadOnlyList<WatchEvent<T>> listed)
    {
        var changes = new List<ResourceChange<T>>();
        var seen = new HashSet<ResourceKey>();
        foreach (var item in listed)
        {
            if (item.Kind == WatchEventKind.DecodeFailed)
            {
                if (item.Failure!.Name is { Length: > 0 } name)
                {
                    seen.Add(ResourceKey.Of(item.Failure.Namespace, name));
                }

                if (DecodeFailedLocked(item.Failure, isDelete: false) is { } failed)
                {
                    changes.Add(failed);
                }
            }
            else if (item.Object is { } obj)
            {
                seen.Add(KeyOf(obj));
                if (UpsertLocked(obj) is { } change)
                {
                    changes.Add(change);
                }
            }
        }

        var gone = new List<ResourceKey>();
        foreach (var (ns, objects) in byNamespace)
        {
            if (scopeNamespace is not null && ns != scopeNamespace)
            {
                continue;
            }

            foreach (var name in objects.Keys)
            {
                var key = ResourceKey.Of(ns, name);
                if (!seen.Contains(key))
                {
                    gone.Add(key);
                }
            }
        }

        foreach (var key in gone)
        {
            if (RemoveLocked(key) is { } old)
            {
                changes.Add(new ResourceChange<T>(ResourceChangeType.Deleted, old));
            }
        }

        foreach (var key in undecodable.Keys.Where(k => (scopeNamespace is null || k.NamespaceOrEmpty == scopeNamespace) && !seen.Contains(k)).ToList())
        {
            undecodable.Remove(key);
        }

        return changes;
    }

    internal static ResourceKey KeyOf(T obj) => ResourceKey.Of(obj.Metadata.NamespaceProperty, obj.Metadata.Name);

    internal static bool SameVersion(T a, T b) =>
        a.Metadata.ResourceVersion is { } rv && rv == b.Metadata.ResourceVersion && a.Metadata.Uid == b.Metadata.Uid;

    private void SetLocked(ResourceKey key, T obj, T? old)
    {
        if (!byNamespace.TryGetValue(key.NamespaceOrEmpty, out var objects))
        {
            objects = new Dictionary<string, T>(StringComparer.Ordinal);
            byNamespace.Add(key.NamespaceOrEmpty, objects);
        }

        objects[key.Name] = obj;
        if (old is null)
        {
            Interlocked.Increment(ref count);
        }

        indexes.Update(key, old, obj);
    }

    private T? RemoveLocked(ResourceKey key)
    {
        if (!byNamespace.TryGetValue(key.NamespaceOrEmpty, out var objects) || !objects.Remove(key.Name, out var old))
        {
            return null;
        }

        if (objects.Count == 0)
        {
            byNamespace.Remove(key.NamespaceOrEmpty);
        }

        Interlocked.Decrement(ref count);
        indexes.Update(key, old, null);

        return old;
    }
}
