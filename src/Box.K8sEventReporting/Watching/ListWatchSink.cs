using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// Where a watcher's list+watch loops put what they read: the cache updated (a list replaces a scope, a watch event changes
/// one object), the resulting changes delivered to the consumers under the same lock, counted, and the initial sync
/// signalled once every scope has listed.
/// </summary>
internal sealed class ListWatchSink<T>(
    ResourceCache<T> cache,
    ConsumerFanOut<T> consumers,
    int scopes,
    TaskCompletionSource synced,
    string kind,
    ILogger logger,
    TimeProvider timeProvider,
    WatcherMetrics? metrics) : IListWatchTarget<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly HashSet<string> listedScopes = new(StringComparer.Ordinal);
    private readonly KeyValuePair<string, object?> kindTag = new("kind", kind);
    private long lastActivityTimestamp;
    private string? listProblem;

    /// <summary>Gets when the API server last sent anything (0: never).</summary>
    public long LastActivityTimestamp => Volatile.Read(ref lastActivityTimestamp);

    /// <summary>Gets the last list failure, or <see langword="null"/>.</summary>
    public string? ListProblem => Volatile.Read(ref listProblem);

    public void OnListed(string? scopeNamespace, IReadOnlyList<WatchEvent<T>> items, bool isRelist)
    {
        List<ResourceChange<T>> changes;
        var becameSynced = false;
        lock (cache.SyncRoot)
        {
            changes = cache.ReplaceLocked(scopeNamespace, items);
            if (changes.Count > 0)
            {
                consumers.Deliver(new ConsumerSubscription<T>.Delivery(null, changes, false));
            }

            listedScopes.Add(scopeNamespace ?? string.Empty);
            if (!cache.HasSynced && listedScopes.Count == scopes)
            {
                cache.MarkSynced();
                becameSynced = true;
            }
        }

        foreach (var change in changes)
        {
            Count(change);
        }

        if (isRelist)
        {
            Log.Relisted(logger, kind, scopeNamespace ?? "all namespaces", changes.Count);
        }

        if (becameSynced)
        {
            Log.InitialSyncCompleted(logger, kind, cache.Count);
            synced.TrySetResult();
        }
    }

    public void OnWatchEvent(WatchEvent<T> watchEvent)
    {
        ResourceChange<T>? change;
        lock (cache.SyncRoot)
        {
            change = watchEvent.Kind switch
            {
                WatchEventKind.Added or WatchEventKind.Modified => cache.UpsertLocked(watchEvent.Object!),
                WatchEventKind.Deleted => cache.DeleteLocked(watchEvent.Object!),
                WatchEventKind.DecodeFailed => cache.DecodeFailedLocked(watchEvent.Failure!, watchEvent.FailedEventType == "DELETED"),
                _ => null,
            };
            if (change is not null)
            {
                consumers.Deliver(new ConsumerSubscription<T>.Delivery(change, null, false));
            }
        }

        if (change is not null)
        {
            Count(change);
        }
    }

    public void OnActivity() => Volatile.Write(ref lastActivityTimestamp, timeProvider.GetTimestamp());

    public void OnListProblem(string? problem) => Volatile.Write(ref listProblem, problem);

    private void Count(ResourceChange<T> change)
    {
        var type = change.Type switch
        {
            ResourceChangeType.Added => "added",
            ResourceChangeType.Modified => "modified",
            ResourceChangeType.Deleted => "deleted",
            _ => "decode_failed",
        };
        metrics?.ChangesReceived.Add(1, kindTag, new("type", type));
        if (change.DecodeFailure is { } failure)
        {
            metrics?.DecodeFailures.Add(1, kindTag);
            Log.DecodeFailed(logger, kind, failure.Namespace, failure.Name, failure.ResourceVersion, failure.Error);
        }
    }
}
