using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// The consumers of one watcher: each subscription's stream (an Added for every cached object, then every change in
/// order), every change delivered to all of them, and a consumer that read too slowly brought back in line with the cache.
/// </summary>
/// <remarks>Deliveries and subscriptions happen under the cache's lock, so a consumer never misses or repeats a change.</remarks>
internal sealed class ConsumerFanOut<T>(ResourceCache<T> cache, int bufferSize, string kind, ILogger logger, WatcherMetrics? metrics)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly List<ConsumerSubscription<T>> consumers = [];
    private readonly KeyValuePair<string, object?> kindTag = new("kind", kind);
    private bool completed;

    /// <summary>Offers <paramref name="delivery"/> to every consumer; called under the cache's lock.</summary>
    public void Deliver(ConsumerSubscription<T>.Delivery delivery)
    {
        foreach (var consumer in consumers)
        {
            if (!consumer.Offer(delivery))
            {
                metrics?.ConsumerOverflows.Add(1, kindTag);
                Log.ConsumerOverflowed(logger, kind, bufferSize);
            }
        }
    }

    /// <summary>Ends every consumer's stream (the watcher is disposed); called under the cache's lock.</summary>
    public void CompleteAll()
    {
        completed = true;
        foreach (var consumer in consumers)
        {
            consumer.Complete();
        }
    }

    /// <summary>One consumer's stream: <paramref name="start"/> runs on the first enumeration (it starts the list+watch).</summary>
    public async IAsyncEnumerable<ResourceChange<T>> SubscribeAsync(Action start, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        start();
        var consumer = new ConsumerSubscription<T>(bufferSize);
        List<T> initial;
        lock (cache.SyncRoot)
        {
            ObjectDisposedException.ThrowIf(completed, this);
            initial = cache.SnapshotLocked();
            consumers.Add(consumer);
        }

        try
        {
            foreach (var obj in initial)
            {
                var added = new ResourceChange<T>(ResourceChangeType.Added, obj);
                consumer.Track(added);
                yield return added;
            }

            initial = [];
            while (true)
            {
                while (consumer.Reader.TryRead(out var delivery))
                {
                    if (delivery.Change is { } change)
                    {
                        consumer.Track(change);
                        yield return change;
                    }
                    else if (delivery.Batch is { } batch)
                    {
                        foreach (var batched in batch)
                        {
                            consumer.Track(batched);
                            yield return batched;
                        }
                    }
                    else if (delivery.IsResync)
                    {
                        foreach (var obj in consumer.Known.Values.ToArray())
                        {
                            yield return new ResourceChange<T>(ResourceChangeType.Resync, obj);
                        }
                    }
                }

                List<T>? current = null;
                lock (cache.SyncRoot)
                {
                    if (consumer.IsOverflowed)
                    {
                        // Whatever is still buffered is older than the cache: drop it, and diff against the cache under the same lock.
                        while (consumer.Reader.TryRead(out _))
                        {
                        }

                        current = cache.SnapshotLocked();
                        consumer.IsOverflowed = false;
                    }
                }

                if (current is not null)
                {
                    var missed = consumer.DiffTo(current);
                    LogResynchronised(missed);
                    foreach (var change in missed)
                    {
                        consumer.Track(change);
                        yield return change;
                    }

                    continue;
                }

                if (!await consumer.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }
            }
        }
        finally
        {
            lock (cache.SyncRoot)
            {
                consumers.Remove(consumer);
            }
        }
    }

    private void LogResynchronised(List<ResourceChange<T>> missed)
    {
        int added = 0, modified = 0, deleted = 0;
        foreach (var change in missed)
        {
            _ = change.Type switch
            {
                ResourceChangeType.Added => added++,
                ResourceChangeType.Modified => modified++,
                _ => deleted++,
            };
        }

        Log.ConsumerResynchronised(logger, kind, added, modified, deleted);
    }
}
