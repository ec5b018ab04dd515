using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// One consumer of a watcher: its bounded buffer, whether it overflowed, and the objects it has been told about
/// (what it "knows"), from which a periodic resync and an overflow re-synchronisation are computed.
/// </summary>
/// <remarks>
/// <see cref="Offer"/> and <see cref="IsOverflowed"/> are used under the cache lock; <see cref="Known"/> only by the consumer's own enumerator.
/// </remarks>
internal sealed class ConsumerSubscription<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Channel<Delivery> channel;

    public ConsumerSubscription(int capacity)
    {
        channel = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full; we never wait, we mark the consumer overflowed.
            SingleReader = true,
            SingleWriter = true, // every write happens under the cache lock
        });
    }

    public ChannelReader<Delivery> Reader => channel.Reader;

    public bool IsOverflowed { get; set; }

    public Dictionary<ResourceKey, T> Known { get; } = [];

    /// <summary>Queues a delivery; returns <see langword="false"/> when this call made the consumer overflow.</summary>
    public bool Offer(Delivery delivery)
    {
        if (IsOverflowed)
        {
            return true;
        }

        if (channel.Writer.TryWrite(delivery))
        {
            return true;
        }

        IsOverflowed = true;
        return false;
    }

    public void Complete() => channel.Writer.TryComplete();

    /// <summary>Records a change the consumer is about to receive.</summary>
    public void Track(ResourceChange<T> change)
    {
        switch (change.Type)
        {
            case ResourceChangeType.Added or ResourceChangeType.Modified or ResourceChangeType.Resync when change.Resource is { } obj:
                Known[ResourceCache<T>.KeyOf(obj)] = obj;
                break;
            case ResourceChangeType.Deleted when change.Resource is { } obj:
                Known.Remove(ResourceCache<T>.KeyOf(obj));
                break;
            case ResourceChangeType.DecodeFailed when change.DecodeFailure is { Name.Length: > 0 } failure:
                Known.Remove(ResourceKey.Of(failure.Namespace, failure.Name));
                break;
            default:
                break;
        }
    }

    /// <summary>The changes that take this consumer from what it knows to <paramref name="current"/>.</summary>
    public List<ResourceChange<T>> DiffTo(IReadOnlyList<T> current)
    {
        var changes = new List<ResourceChange<T>>();
        var seen = new HashSet<ResourceKey>();
        foreach (var obj in current)
        {
            var key = ResourceCache<T>.KeyOf(obj);
            seen.Add(key);
            if (!Known.TryGetValue(key, out var old))
            {
                changes.Add(new ResourceChange<T>(ResourceChangeType.Added, obj));
            }
            else if (!ReferenceEquals(old, obj) && !ResourceCache<T>.SameVersion(old, obj))
            {
                changes.Add(new ResourceChange<T>(ResourceChangeType.Modified, obj, old));
            }
        }

        foreach (var (key, old) in Known)
        {
            if (!seen.Contains(key))
            {
                changes.Add(new ResourceChange<T>(ResourceChangeType.Deleted, old));
            }
        }

        return changes;
    }

    /// <summary>What a consumer's buffer holds: one change, a batch of changes from a relist, or a periodic resync marker.</summary>
    internal readonly record struct Delivery(ResourceChange<T>? Change, IReadOnlyList<ResourceChange<T>>? Batch, bool IsResync);
}
