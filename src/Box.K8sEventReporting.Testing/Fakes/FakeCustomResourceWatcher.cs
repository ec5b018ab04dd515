using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Testing;

/// <summary>
/// An <see cref="ICustomResourceWatcher{T}"/> that tests push changes into. Like the real watcher, a new consumer
/// first receives an Added change for every cached object, then every pushed change in order.
/// </summary>
/// <typeparam name="T">The watched type.</typeparam>
public sealed class FakeCustomResourceWatcher<T> : ICustomResourceWatcher<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly object _gate = new();
    private readonly List<Channel<ResourceChange<T>>> _consumers = [];
    private readonly Func<object, object>? _transform;

    /// <summary>Initializes a new instance of the <see cref="FakeCustomResourceWatcher{T}"/> class.</summary>
    /// <param name="synced">Whether the cache starts as synced.</param>
    public FakeCustomResourceWatcher(bool synced = true) => FakeCache = new FakeResourceCache<T>(synced);

    /// <summary>
    /// Initializes a new instance of the <see cref="FakeCustomResourceWatcher{T}"/> class with the indexes and transform of
    /// <paramref name="options"/>, as the real watcher would apply them (for example the pod index that
    /// <c>ReportOnPodsConsumingSecret</c> adds).
    /// </summary>
    /// <param name="options">The watcher options the application composed.</param>
    /// <param name="synced">Whether the cache starts as synced.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public FakeCustomResourceWatcher(CustomResourceWatcherOptions options, bool synced = true)
        : this(synced)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, indexFunc) in options.Indexes)
        {
            FakeCache.AddIndex(name, o => indexFunc(o));
        }

        _transform = options.Transform;
    }

    /// <inheritdoc/>
    public IResourceCache<T> Cache => FakeCache;

    /// <summary>Gets the cache, to fill it or mark it synced.</summary>
    public FakeResourceCache<T> FakeCache { get; }

    /// <summary>Gets the number of consumers currently subscribed.</summary>
    public int ConsumerCount
    {
        get
        {
            lock (_gate)
            {
                return _consumers.Count;
            }
        }
    }

    /// <summary>Adds an object (Added), or modifies it (Modified) when it is already cached.</summary>
    /// <param name="resource">The object.</param>
    public void Apply(T resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        resource = _transform is null ? resource : (T)_transform(resource);
        lock (_gate)
        {
            var previous = FakeCache.Upsert(resource);
            Publish(previous is null
                ? new ResourceChange<T>(ResourceChangeType.Added, resource)
                : new ResourceChange<T>(ResourceChangeType.Modified, resource, previous));
        }
    }

    /// <summary>Deletes an object (Deleted with its last known state).</summary>
    /// <param name="resource">The object.</param>
    public void Delete(T resource)
    {
        lock (_gate)
        {
            var removed = FakeCache.Remove(resource) ?? resource;
            Publish(new ResourceChange<T>(ResourceChangeType.Deleted, removed));
        }
    }

    /// <summary>Delivers an arbitrary change (for example a DecodeFailed or Resync) without touching the cache.</summary>
    /// <param name="change">The change.</param>
    public void Push(ResourceChange<T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            Publish(change);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ResourceChange<T>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ResourceChange<T>>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            foreach (var existing in FakeCache.List())
            {
                channel.Writer.TryWrite(new ResourceChange<T>(ResourceChangeType.Added, existing));
            }

            _consumers.Add(channel);
        }

        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return change;
            }
        }
        finally
        {
            lock (_gate)
            {
                _consumers.Remove(channel);
            }
        }
    }

    private void Publish(ResourceChange<T> change)
    {
        foreach (var consumer in _consumers)
        {
            consumer.Writer.TryWrite(change);
        }
    }
}
