using System.Collections.Concurrent;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Testing;

/// <summary>An in-memory <see cref="IResourceCache{T}"/> that tests fill directly.</summary>
/// <typeparam name="T">The cached type.</typeparam>
public sealed class FakeResourceCache<T> : IResourceCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), T> _objects = new();
    private readonly ConcurrentDictionary<string, Func<T, IEnumerable<string>>> _indexes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Initializes a new instance of the <see cref="FakeResourceCache{T}"/> class.</summary>
    /// <param name="synced">Whether the cache starts as synced.</param>
    public FakeResourceCache(bool synced = true)
    {
        if (synced)
        {
            MarkSynced();
        }
    }

    /// <inheritdoc/>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <inheritdoc/>
    public int Count => _objects.Count;

    /// <summary>Marks the cache as synced, releasing <see cref="WaitForInitialSyncAsync"/>.</summary>
    public void MarkSynced() => _synced.TrySetResult();

    /// <summary>Registers an index that <see cref="ListByIndex"/> can query.</summary>
    /// <param name="name">The index name.</param>
    /// <param name="indexFunc">Maps an object to the values it is indexed under.</param>
    public void AddIndex(string name, Func<T, IEnumerable<string>> indexFunc)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(indexFunc);
        _indexes[name] = indexFunc;
    }

    /// <summary>Adds or replaces an object.</summary>
    /// <param name="resource">The object.</param>
    /// <returns>The object it replaced, if any.</returns>
    public T? Upsert(T resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        T? previous = null;
        _objects.AddOrUpdate(KeyOf(resource), resource, (_, old) =>
        {
            previous = old;
            return resource;
        });
        return previous;
    }

    /// <summary>Removes an object.</summary>
    /// <param name="resource">The object (only namespace and name are used).</param>
    /// <returns>The removed object, if it was there.</returns>
    public T? Remove(T resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return _objects.TryRemove(KeyOf(resource), out var removed) ? removed : null;
    }

    /// <inheritdoc/>
    public Task WaitForInitialSyncAsync(CancellationToken cancellationToken = default) =>
        _synced.Task.WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public T? Get(string? @namespace, string name) =>
        _objects.TryGetValue((@namespace ?? string.Empty, name), out var value) ? value : null;

    /// <inheritdoc/>
    public IReadOnlyList<T> List(string? @namespace = null) =>
        _objects.Where(kv => @namespace is null || kv.Key.Namespace == @namespace).Select(kv => kv.Value).ToArray();

    /// <inheritdoc/>
    public IReadOnlyList<T> ListByIndex(string indexName, string indexedValue)
    {
        if (!_indexes.TryGetValue(indexName, out var index))
        {
            throw new ArgumentException($"No index named '{indexName}' is registered; call AddIndex first.", nameof(indexName));
        }

        return _objects.Values.Where(o => index(o).Contains(indexedValue, StringComparer.Ordinal)).ToArray();
    }

    private static (string Namespace, string Name) KeyOf(T resource) =>
        (resource.Metadata?.NamespaceProperty ?? string.Empty, resource.Metadata?.Name ?? throw new ArgumentException("The object has no metadata.name.", nameof(resource)));
}
