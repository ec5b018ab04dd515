using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Controller;

/// <summary>An in-memory watcher: the test changes objects, every consumer sees the change, the cache answers reads.</summary>
internal sealed class FakeWatcher<T> : ICustomResourceWatcher<T>, IResourceCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<ResourceKey, T> _objects = new();
    private readonly List<Channel<ResourceChange<T>>> _consumers = [];
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IResourceCache<T> Cache => this;

    public bool HasSynced { get; set; } = true;

    public int Count => _objects.Count;

    /// <summary>Completes once a consumer has subscribed.</summary>
    public Task Subscribed => _subscribed.Task;

    /// <summary>Completes the initial sync; until a test replaces it, the cache counts as synced from the start.</summary>
    public TaskCompletionSource Synced { get; set; } = CompletedSource();

    public Task WaitForInitialSyncAsync(CancellationToken cancellationToken = default) => Synced.Task.WaitAsync(cancellationToken);

    /// <summary>Gets or sets what runs on every read, before the object is returned: a test's hook into a worker's reconcile.</summary>
    public Action<ResourceKey>? OnGet { get; set; }

    public T? Get(string? @namespace, string name)
    {
        OnGet?.Invoke(new ResourceKey(@namespace, name));
        return _objects.GetValueOrDefault(new ResourceKey(@namespace, name));
    }

    public IReadOnlyList<T> List(string? @namespace = null) =>
        [.. _objects.Values.Where(o => @namespace is null || o.Metadata.NamespaceProperty == @namespace)];

    public IReadOnlyList<T> ListByIndex(string indexName, string indexedValue) => throw new ArgumentException("no index", nameof(indexName));

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    public void Add(T resource)
    {
        _objects[ResourceKey.From(resource)] = resource;
        Publish(new ResourceChange<T>(ResourceChangeType.Added, resource));
    }

    public void Modify(T resource)
    {
        var key = ResourceKey.From(resource);
        _objects.TryGetValue(key, out var old);
        _objects[key] = resource;
        Publish(new ResourceChange<T>(ResourceChangeType.Modified, resource, old));
    }

    public void Delete(T resource)
    {
        _objects.TryRemove(ResourceKey.From(resource), out _);
        Publish(new ResourceChange<T>(ResourceChangeType.Deleted, resource));
    }

    /// <summary>Puts an object in the cache without telling consumers.</summary>
    public void SetQuietly(T resource) => _objects[ResourceKey.From(resource)] = resource;

    public void Publish(ResourceChange<T> change)
    {
        lock (_consumers)
        {
            foreach (var consumer in _consumers)
            {
                consumer.Writer.TryWrite(change);
            }
        }
    }

    public async IAsyncEnumerable<ResourceChange<T>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ResourceChange<T>>();
        lock (_consumers)
        {
            foreach (var existing in _objects.Values)
            {
                channel.Writer.TryWrite(new ResourceChange<T>(ResourceChangeType.Added, existing));
            }

            _consumers.Add(channel);
        }

        _subscribed.TrySetResult();
        await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return change;
        }
    }
}
