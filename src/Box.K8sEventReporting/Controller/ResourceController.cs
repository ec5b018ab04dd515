using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.Internal;
using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Diagnostics;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// The reconcile loop of one resource type: watcher changes become keys in a rate-limited queue; workers read the latest
/// object from the cache, validate it, report problems or run the reconciler, and requeue as the outcome asks.
/// </summary>
internal sealed class ResourceController<T> : IResourceController<T>, IControllerRunner, IDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly TimeSpan ResubscribeDelay = TimeSpan.FromSeconds(1);
    private static readonly IReadOnlyDictionary<string, JsonNode?> NoStatus = ReconcileResult.Done.Status;
    private readonly ICustomResourceWatcher<T> _watcher;
    private readonly IReadOnlyList<IValidator<T>> _validators;
    private readonly IReconciler<T>? _reconciler;
    private readonly IReconcileReporter<T> _reporter;
    private readonly IReadOnlyList<ISecondaryWatch> _secondaryWatches;
    private readonly ControllerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly WorkQueue _queue;
    private readonly TagList _kindTags;
    private readonly IReadOnlyList<IReconcileObserver> _observers;

    // The resourceVersion each key was last reconciled at: a watch notification that arrives after a reconcile already
    // read that exact version from the cache (the cache is updated before consumers are told) is not queued again.
    private readonly ConcurrentDictionary<ResourceKey, string> _reconciledVersions = new();

    // Objects that could not be read while this replica was on standby: reported when it starts leading, unless they
    // were fixed (decoded) or deleted meanwhile.
    private readonly ConcurrentDictionary<ResourceKey, ResourceDecodeFailure> _unreportedDecodeFailures = new();
    private readonly ReconcileActivity? _activity;
    private readonly ControllerMetrics? _metrics;
    private long _lastProgress;
    private int _runningWorkers;

    public ResourceController(
        ICustomResourceWatcher<T> watcher,
        IEnumerable<IValidator<T>> validators,
        IReconciler<T>? reconciler,
        IReconcileReporter<T> reporter,
        IEnumerable<ISecondaryWatch> secondaryWatches,
        ControllerOptions options,
        ILogger logger,
        TimeProvider timeProvider,
        IEnumerable<IReconcileObserver>? observers = null,
        ReconcileActivity? activity = null,
        ControllerMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        ArgumentNullException.ThrowIfNull(validators);
        ArgumentNullException.ThrowIfNull(reporter);
        ArgumentNullException.ThrowIfNull(secondaryWatches);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _watcher = watcher;
        _validators = [.. validators];
        _reconciler = reconciler;
        _reporter = reporter;
        _secondaryWatches = [.. secondaryWatches];
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        _observers = [.. observers ?? []];
        Kind = KindOf(typeof(T));
        _kindTags = ControllerMetrics.KindTags(Kind);
        _metrics = metrics;
        _queue = new WorkQueue(MaxOfRateLimiter.CreateDefault(options, timeProvider), timeProvider, Kind, metrics);
        _lastProgress = timeProvider.GetTimestamp();
        _activity = activity;
        activity?.AddSource(() => IsLeading ? _queue.Count + _queue.ProcessingCount : 0);   // a replica that does not lead has no floor to serve
    }

    public string Kind { get; }

    public bool HasSynced => _watcher.Cache.HasSynced && _secondaryWatches.All(static w => w.HasSynced);

    public string? SyncProblem => (_watcher as CustomResourceWatcher<T>)?.SyncProblem;

    public bool IsStalled =>
        _queue.Count > 0
        && Volatile.Read(ref _runningWorkers) > 0
        && _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastProgress)) > _options.StallTimeout;

    /// <summary>Gets the queue, for tests.</summary>
    internal WorkQueue Queue => _queue;

    /// <summary>Gets a value indicating whether workers are running, for tests.</summary>
    internal bool IsLeadingForTests => IsLeading;

    private bool IsLeading => Volatile.Read(ref _runningWorkers) > 0;

    public void Enqueue(ResourceKey key) => _queue.Add(key);

    public void RequeueAll()
    {
        var all = _watcher.Cache.List();
        foreach (var resource in all)
        {
            if (TryGetKey(resource, out var key))
            {
                _queue.Add(key);
            }
        }

        Log.RequeuedAll(_logger, Kind, all.Count);
    }

    public Task WaitForInitialSyncAsync(CancellationToken cancellationToken)
    {
        // Like controller-runtime, workers start only once every cache they read is loaded: a secondary cache that is
        // still empty would make a reconcile see "no pods" or "no Secret" and act on it.
        var caches = _secondaryWatches.Select(w => w.WaitForInitialSyncAsync(cancellationToken));
        return Task.WhenAll(caches.Prepend(_watcher.Cache.WaitForInitialSyncAsync(cancellationToken)));
    }

    public async Task RunEventPumpAsync(CancellationToken cancellationToken)
    {
        var tasks = new List<Task>(_secondaryWatches.Count + 1) { FollowPrimaryAsync(cancellationToken) };
        foreach (var secondary in _secondaryWatches)
        {
            tasks.Add(secondary.RunAsync(Enqueue, cancellationToken));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    public async Task RunWorkersAsync(CancellationToken stopTaking, CancellationToken abandon)
    {
        Interlocked.Exchange(ref _lastProgress, _timeProvider.GetTimestamp());
        var workers = new Task[_options.Workers];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => WorkAsync(stopTaking, abandon), CancellationToken.None);
        }

        Log.WorkersStarted(_logger, Kind, workers.Length);
        foreach (var key in _unreportedDecodeFailures.Keys)
        {
            if (stopTaking.IsCancellationRequested)
            {
                break;
            }

            if (_unreportedDecodeFailures.TryRemove(key, out var failure))
            {
                try
                {
                    await ReportDecodeFailureAsync(failure, stopTaking).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _unreportedDecodeFailures.TryAdd(key, failure);   // the next leader term reports it
                    break;
                }
            }
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        Log.WorkersStopped(_logger, Kind);
    }

    public void Dispose() => _queue.Dispose();

    internal static string KindOf(Type type) =>
        KubernetesEntityMetadata.TryOf(type, out var entity) ? entity.Kind : type.Name;

    internal static bool IsStatusOnlyChange(T? oldResource, T resource)
    {
        // metadata.generation moves only when the spec changes: status writes (ours included) and metadata-only
        // edits keep it, and must not trigger another reconcile. Without a generation on both sides, be safe: reconcile.
        var oldGeneration = oldResource?.Metadata?.Generation;
        return oldGeneration is not null
            && oldGeneration == resource.Metadata?.Generation
            && oldResource!.Metadata.DeletionTimestamp == resource.Metadata.DeletionTimestamp;
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

    private async Task FollowPrimaryAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in _watcher.WatchAsync(cancellationToken).ConfigureAwait(false))
                {
                    await OnChangeAsync(change, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.WatchFailed(_logger, ex, Kind, ResubscribeDelay);
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

    private async ValueTask OnChangeAsync(ResourceChange<T> change, CancellationToken cancellationToken)
    {
        if (change.Type == ResourceChangeType.DecodeFailed)
        {
            await OnDecodeFailedAsync(change.DecodeFailure, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!TryGetKey(change.Resource, out var key))
        {
            return;
        }

        _unreportedDecodeFailures.TryRemove(key, out _);
        switch (change.Type)
        {
            case ResourceChangeType.Modified when IsStatusOnlyChange(change.OldResource, change.Resource!):
                Log.StatusOnlyChangeSkipped(_logger, Kind, key.Namespace, key.Name);
                break;
            case ResourceChangeType.Added or ResourceChangeType.Modified
                when change.Resource!.Metadata.ResourceVersion is { } version
                    && _reconciledVersions.TryGetValue(key, out var reconciled) && reconciled == version:
                Log.AlreadyReconciledSkipped(_logger, Kind, key.Namespace, key.Name, version);
                break;
            case ResourceChangeType.Deleted:
                // Stop revalidating; the reconcile that follows finds it gone (or finds its successor of the same name).
                _reconciledVersions.TryRemove(key, out _);
                _queue.CancelDelayed(key);
                _queue.Forget(key);
                _queue.Add(key);
                break;
            default:
                _queue.Add(key);
                break;
        }
    }

    private async ValueTask OnDecodeFailedAsync(ResourceDecodeFailure? failure, CancellationToken cancellationToken)
    {
        _metrics?.DecodeFailures.Add(1, _kindTags);
        if (failure is null)
        {
            return;
        }

        Log.DecodeFailed(_logger, Kind, failure.Namespace, failure.Name, failure.Uid, failure.Error);

        // Only the leader writes Events (a standby keeps the failure for when it leads); an object without identity has
        // nothing to attach one to.
        if (string.IsNullOrEmpty(failure.Name) || string.IsNullOrEmpty(failure.Uid))
        {
            return;
        }

        if (!IsLeading)
        {
            _unreportedDecodeFailures[ResourceKey.Of(failure.Namespace, failure.Name)] = failure;
            return;
        }

        await ReportDecodeFailureAsync(failure, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask ReportDecodeFailureAsync(ResourceDecodeFailure failure, CancellationToken cancellationToken)
    {
        try
        {
            await _reporter.ReportDecodeFailureAsync(failure, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ReportFailed(_logger, ex, Kind, failure.Namespace, failure.Name);
        }
    }

    private async Task WorkAsync(CancellationToken stopTaking, CancellationToken abandon)
    {
        Interlocked.Increment(ref _runningWorkers);
        try
        {
            while (!stopTaking.IsCancellationRequested && !abandon.IsCancellationRequested)
            {
                ResourceKey? next;
                try
                {
                    next = await _queue.GetAsync(stopTaking).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (next is not { } key)
                {
                    return;
                }

                Interlocked.Exchange(ref _lastProgress, _timeProvider.GetTimestamp());
                try
                {
                    await ReconcileAsync(key, abandon).ConfigureAwait(false);
                }
                finally
                {
                    _queue.Done(key);
                    Interlocked.Exchange(ref _lastProgress, _timeProvider.GetTimestamp());
                    _activity?.Pulse();
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _runningWorkers);
            _activity?.Pulse();
        }
    }

    internal async Task ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        _metrics?.ReconcileStarted(Kind);
        using var activity = K8sEventReportingDiagnostics.ActivitySource.StartActivity("reconcile " + Kind);
        activity?.SetTag("k8s.resource.kind", Kind);
        activity?.SetTag("k8s.namespace.name", key.Namespace);
        activity?.SetTag("k8s.object.name", key.Name);

        var outcome = "error";
        var stage = "cache";
        Exception? error = null;
        T? resource = null;
        try
        {
            resource = _watcher.Cache.Get(key.Namespace, key.Name);
            if (resource is null)
            {
                _reconciledVersions.TryRemove(key, out _);
                _queue.CancelDelayed(key);
                _queue.Forget(key);
                outcome = "deleted";
                Log.ResourceGone(_logger, Kind, key.Namespace, key.Name);
                return;
            }

            if (resource.Metadata.ResourceVersion is { } version)
            {
                _reconciledVersions[key] = version;
            }

            stage = "validator";
            var result = await ValidateAsync(resource, cancellationToken).ConfigureAwait(false);
            if (!result.IsValid)
            {
                stage = "reporter";
                outcome = await ReportInvalidAsync(key, resource, result, NoStatus, cancellationToken).ConfigureAwait(false);
                return;
            }

            stage = "reconciler";
            var next = _reconciler is null
                ? ReconcileResult.Done
                : await _reconciler.ReconcileAsync(resource, cancellationToken).ConfigureAwait(false);
            stage = "reporter";
            if (next.Failures.Count > 0)
            {
                // An error of the resource found while reconciling (a conflicting child object): the same path as a
                // validation failure, so it is reported on the same pods and revalidated until it is gone.
                outcome = await ReportInvalidAsync(key, resource, ValidationResult.Fail(next.Failures), next.Status, cancellationToken).ConfigureAwait(false);
                return;
            }

            await _reporter.ReportValidAsync(resource, next.Status, cancellationToken).ConfigureAwait(false);
            _queue.Forget(key);
            if (next.RequeueAfter is { } after)
            {
                _queue.AddAfter(key, after);
                outcome = "requeue";
            }
            else
            {
                outcome = "valid";
            }

            Log.ResourceReconciled(_logger, Kind, key.Namespace, key.Name);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Abandoned (leadership lost or shutdown deadline): the next leader requeues everything.
            outcome = "canceled";
        }
        catch (TerminalReconcileException ex)
        {
            outcome = "terminal";
            error = new InvalidOperationException($"The {stage} of {Kind} '{key}' failed for good: {ex.Message}", ex);
            _metrics?.ReconcileFailed(Kind, "terminal");
            Log.ReconcileTerminal(_logger, ex, Kind, key.Namespace, key.Name, stage);
            _queue.Forget(key);
            await ReportErrorAsync(key, resource, ex, isTerminal: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            outcome = "error";
            error = new InvalidOperationException($"The {stage} of {Kind} '{key}' failed: {ex.Message}", ex);
            _metrics?.ReconcileFailed(Kind, stage);
            var attempt = _queue.NumRequeues(key) + 1;
            Log.ReconcileFailed(_logger, ex, Kind, key.Namespace, key.Name, stage, attempt);
            _queue.AddRateLimited(key);
            await ReportErrorAsync(key, resource, ex, isTerminal: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _metrics?.ReconcileEnded(Kind, outcome, _timeProvider.GetElapsedTime(started).TotalSeconds);
            activity?.SetTag("outcome", outcome);
            if (outcome is "error" or "terminal")
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }

            foreach (var observer in _observers)
            {
                observer.Reconciled(Kind, key, outcome, error);
            }
        }
    }

    private async ValueTask<string> ReportInvalidAsync(
        ResourceKey key, T resource, ValidationResult result, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken)
    {
        await _reporter.ReportInvalidAsync(resource, result, status, cancellationToken).ConfigureAwait(false);
        _queue.Forget(key);
        _queue.AddAfter(key, _options.RevalidationInterval);
        Log.ResourceInvalid(_logger, Kind, key.Namespace, key.Name, result.Failures.Count, _options.RevalidationInterval);
        return "invalid";
    }

    private async ValueTask<ValidationResult> ValidateAsync(T resource, CancellationToken cancellationToken)
    {
        if (_validators.Count == 1)
        {
            return await _validators[0].ValidateAsync(resource, cancellationToken).ConfigureAwait(false);
        }

        var results = new List<ValidationResult>(_validators.Count);
        foreach (var validator in _validators)
        {
            results.Add(await validator.ValidateAsync(resource, cancellationToken).ConfigureAwait(false));
        }

        return ValidationResult.Combine(results);
    }

    private async ValueTask ReportErrorAsync(ResourceKey key, T? resource, Exception error, bool isTerminal, CancellationToken cancellationToken)
    {
        if (resource is null)
        {
            return;
        }

        try
        {
            await _reporter.ReportReconcileErrorAsync(resource, error, isTerminal, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ReportFailed(_logger, ex, Kind, key.Namespace, key.Name);
        }
        catch (OperationCanceledException)
        {
            // Abandoned while reporting; nothing to add.
        }
    }
}
