using System.Collections.Concurrent;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// The controller's own resource as a source of keys: every change the update predicate lets through, every deletion, and
/// every object that could not be read (kept until it is reported, fixed or deleted).
/// </summary>
/// <remarks>
/// A key is not queued again for a resourceVersion that a queued or finished reconcile is sure to read (or read already):
/// the cache is updated before consumers are told, so a reconcile that starts after a key is queued reads at least the
/// version that queued it. Late notifications of that version (the initial list delivered after a new leader queued the
/// whole cache, a watch event read after the worker already read the cache) therefore cost no second reconcile.
/// </remarks>
internal sealed class PrimarySource<T> : IReconcileSource
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly TimeSpan ResubscribeDelay = TimeSpan.FromSeconds(1);
    private readonly ICustomResourceWatcher<T> _watcher;
    private readonly Func<T, T, bool> _reconcileOnUpdate;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly string _kind;
    private readonly KeyValuePair<string, object?> _kindTag;
    private readonly ControllerMetrics? _metrics;

    // The resourceVersion a queued or finished reconcile of each key reads at least.
    private readonly ConcurrentDictionary<ResourceKey, string> _versions = new();

    // Objects that could not be read, until a worker takes them to report (only a leader has workers).
    private readonly ConcurrentDictionary<ResourceKey, ResourceDecodeFailure> _decodeFailures = new();

    public PrimarySource(ICustomResourceWatcher<T> watcher, Func<T, T, bool>? reconcileOnUpdate, string kind, ILogger logger, TimeProvider timeProvider, ControllerMetrics? metrics = null)
    {
        _metrics = metrics;
        _watcher = watcher;
        _reconcileOnUpdate = reconcileOnUpdate ?? GenerationChanged;
        _kind = kind;
        _kindTag = new("kind", kind);
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public IResourceCache<T> Cache => _watcher.Cache;

    public bool HasSynced => _watcher.Cache.HasSynced;

    public string? SyncProblem => (_watcher as CustomResourceWatcher<T>)?.SyncProblem;

    public Task WaitForInitialSyncAsync(CancellationToken cancellationToken) => _watcher.Cache.WaitForInitialSyncAsync(cancellationToken);

    /// <summary>
    /// The default update predicate: <c>metadata.generation</c> moves only when the spec changes, so status writes (ours
    /// included) and metadata-only edits do not trigger a reconcile. Without a generation on both sides, reconcile.
    /// </summary>
    internal static bool GenerationChanged(T oldResource, T resource) =>
        oldResource.Metadata?.Generation is not { } oldGeneration
        || oldGeneration != resource.Metadata?.Generation
        || oldResource.Metadata.DeletionTimestamp != resource.Metadata.DeletionTimestamp;

    public async Task RunAsync(WorkQueue queue, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in _watcher.WatchAsync(cancellationToken).ConfigureAwait(false))
                {
                    OnChange(change, queue);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.WatchFailed(_logger, ex, _kind, ResubscribeDelay);
            }

            try
            {
                await Task.Delay(ResubscribeDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Queues every cached resource (a new leader's term, a changed rule).</summary>
    public int QueueAll(WorkQueue queue)
    {
        var all = _watcher.Cache.List();
        foreach (var resource in all)
        {
            if (TryGetKey(resource, out var key))
            {
                Queue(queue, key, resource.Metadata.ResourceVersion);
            }
        }

        return all.Count;
    }

    /// <summary>Notes the version a reconcile read: a later notification of it is not queued.</summary>
    public void Reconciling(ResourceKey key, string? resourceVersion)
    {
        if (resourceVersion is not null)
        {
            _versions[key] = resourceVersion;
        }
    }

    /// <summary>Forgets a resource that is gone.</summary>
    public void Forget(ResourceKey key) => _versions.TryRemove(key, out _);

    /// <summary>Takes the unreported failure to read <paramref name="key"/>, if any.</summary>
    public ResourceDecodeFailure? TakeDecodeFailure(ResourceKey key) => _decodeFailures.TryRemove(key, out var failure) ? failure : null;

    /// <summary>Gives back a failure that could not be reported (the term ended): the next term reports it.</summary>
    public void ReturnDecodeFailure(ResourceKey key, ResourceDecodeFailure failure, WorkQueue queue)
    {
        _decodeFailures.TryAdd(key, failure);
        queue.Add(key);
    }

    private static bool TryGetKey(T? resource, out ResourceKey key)
    {
        var name = resource?.Metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            key = default;
            return false;
        }

        key = ResourceKey.Of(resource!.Metadata.NamespaceProperty, name);
        return true;
    }

    private void Queue(WorkQueue queue, ResourceKey key, string? resourceVersion)
    {
        // Noted before the key is queued: a reconcile that starts after Add reads this version or a later one.
        Reconciling(key, resourceVersion);
        queue.Add(key);
    }

    private void OnChange(ResourceChange<T> change, WorkQueue queue)
    {
        if (change.Type == ResourceChangeType.DecodeFailed)
        {
            OnDecodeFailed(change.DecodeFailure, queue);
            return;
        }

        if (!TryGetKey(change.Resource, out var key))
        {
            return;
        }

        _decodeFailures.TryRemove(key, out _);
        var resource = change.Resource!;
        switch (change.Type)
        {
            case ResourceChangeType.Modified when change.OldResource is { } old && !_reconcileOnUpdate(old, resource):
                Log.StatusOnlyChangeSkipped(_logger, _kind, key.Namespace, key.Name);
                break;
            case ResourceChangeType.Added or ResourceChangeType.Modified
                when resource.Metadata.ResourceVersion is { } version && _versions.TryGetValue(key, out var known) && known == version:
                Log.AlreadyReconciledSkipped(_logger, _kind, key.Namespace, key.Name, version);
                break;
            case ResourceChangeType.Deleted:
                // Stop revalidating; the reconcile that follows finds it gone (or finds its successor of the same name).
                _versions.TryRemove(key, out _);
                queue.CancelDelayed(key);
                queue.Forget(key);
                queue.Add(key);
                break;
            case ResourceChangeType.Resync:
                queue.Add(key);
                break;
            default:
                Queue(queue, key, resource.Metadata.ResourceVersion);
                break;
        }
    }

    private void OnDecodeFailed(ResourceDecodeFailure? failure, WorkQueue queue)
    {
        _metrics?.DecodeFailures.Add(1, _kindTag);
        if (failure is null)
        {
            return;
        }

        Log.DecodeFailed(_logger, _kind, failure.Namespace, failure.Name, failure.Uid, failure.Error);

        // An object without identity has nothing to attach an Event to.
        if (string.IsNullOrEmpty(failure.Name) || string.IsNullOrEmpty(failure.Uid))
        {
            return;
        }

        var key = ResourceKey.Of(failure.Namespace, failure.Name);
        _versions.TryRemove(key, out _);
        _decodeFailures[key] = failure;
        queue.Add(key);
    }
}
