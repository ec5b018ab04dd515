using System.Diagnostics;
using Box.K8sEventReporting.Diagnostics;
using Box.K8sEventReporting.Internal;
using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// The reconcile loop of one resource type: sources put keys into a rate-limited queue; workers read the latest object
/// from the cache, hand it to the reconciler, and map what it returns to the queue: forget, requeue after a delay, or
/// retry with backoff.
/// </summary>
/// <remarks>
/// Validation and reporting are not here: they are a decorator of the reconciler (see <c>ReportingReconciler</c>).
/// </remarks>
internal sealed class ResourceController<T> : IResourceController<T>, IControllerRunner, IDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly PrimarySource<T> _primary;
    private readonly IReadOnlyList<IReconcileSource> _sources;
    private readonly IReconciler<T> _reconciler;
    private readonly DecodeFailureReport<T> _decodeFailures;
    private readonly ControllerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly WorkQueue _queue;
    private readonly IReadOnlyList<IReconcileObserver> _observers;
    private readonly ReconcileActivity? _activity;
    private readonly ControllerMetrics? _metrics;
    private long _lastProgress;
    private int _runningWorkers;

    public ResourceController(
        PrimarySource<T> primary,
        IEnumerable<IReconcileSource> secondarySources,
        IReconciler<T> reconciler,
        ControllerOptions options,
        ILogger logger,
        TimeProvider timeProvider,
        IEnumerable<IReconcileObserver>? observers = null,
        Func<ResourceDecodeFailure, CancellationToken, ValueTask>? reportDecodeFailure = null,
        ReconcileActivity? activity = null,
        ControllerMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(secondarySources);
        ArgumentNullException.ThrowIfNull(reconciler);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _primary = primary;
        _sources = [primary, .. secondarySources];
        _reconciler = reconciler;
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        _observers = [.. observers ?? []];
        Kind = KindOf(typeof(T));
        _decodeFailures = new DecodeFailureReport<T>(primary, reportDecodeFailure, logger, Kind);
        _metrics = metrics;
        _queue = new WorkQueue(MaxOfRateLimiter.CreateDefault(options, timeProvider), timeProvider, Kind, metrics);
        _lastProgress = timeProvider.GetTimestamp();
        _activity = activity;
        activity?.AddSource(() => IsLeading ? _queue.Count + _queue.ProcessingCount : 0);   // a replica that does not lead has no floor to serve
    }

    public string Kind { get; }

    public bool HasSynced
    {
        get
        {
            foreach (var source in _sources)
            {
                if (!source.HasSynced)
                {
                    return false;
                }
            }

            return true;
        }
    }

    public string? SyncProblem => _primary.SyncProblem;

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
        var count = _primary.QueueAll(_queue);
        Log.RequeuedAll(_logger, Kind, count);
    }

    // Like controller-runtime, workers start only once every cache they read is loaded: a secondary cache that is still
    // empty would make a reconcile see "no pods" or "no Secret" and act on it.
    public Task WaitForInitialSyncAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_sources.Select(s => s.WaitForInitialSyncAsync(cancellationToken)));

    public Task RunEventPumpAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_sources.Select(s => s.RunAsync(_queue, cancellationToken)));

    public async Task RunWorkersAsync(CancellationToken stopTaking, CancellationToken abandon)
    {
        Interlocked.Exchange(ref _lastProgress, _timeProvider.GetTimestamp());
        var workers = new Task[_options.Workers];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => WorkAsync(stopTaking, abandon), CancellationToken.None);
        }

        Log.WorkersStarted(_logger, Kind, workers.Length);
        await Task.WhenAll(workers).ConfigureAwait(false);
        Log.WorkersStopped(_logger, Kind);
    }

    public void Dispose() => _queue.Dispose();

    internal static string KindOf(Type type) =>
        KubernetesEntityMetadata.TryOf(type, out var entity) ? entity.Kind : type.Name;

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
                    if (!await _decodeFailures.TryReportAsync(key, _queue, abandon).ConfigureAwait(false))
                    {
                        await ReconcileAsync(key, abandon).ConfigureAwait(false);
                    }
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
        Exception? error = null;
        try
        {
            var resource = _primary.Cache.Get(key.Namespace, key.Name);
            if (resource is null)
            {
                _primary.Forget(key);
                _queue.CancelDelayed(key);
                _queue.Forget(key);
                outcome = "deleted";
                Log.ResourceGone(_logger, Kind, key.Namespace, key.Name);
                return;
            }

            _primary.Reconciling(key, resource.Metadata.ResourceVersion);
            var result = await _reconciler.ReconcileAsync(resource, cancellationToken).ConfigureAwait(false);
            outcome = Apply(key, result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Abandoned (leadership lost or shutdown deadline): the next leader requeues everything.
            outcome = "canceled";
        }
        catch (Exception ex)
        {
            (outcome, error) = Fail(key, ex);
        }
        finally
        {
            _metrics?.ReconcileEnded(Kind, outcome, _timeProvider.GetElapsedTime(started).TotalSeconds);
            activity?.SetTag("outcome", outcome);
            if (error is not null)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }

            foreach (var observer in _observers)
            {
                observer.Reconciled(Kind, key, outcome, error);
            }
        }
    }

    /// <summary>What the result asks of the queue: nothing more, or the key again after a delay.</summary>
    private string Apply(ResourceKey key, ReconcileResult result)
    {
        _queue.Forget(key);
        if (result.RequeueAfter is { } after)
        {
            _queue.AddAfter(key, after);
        }

        if (result.Failures.Count > 0)
        {
            return "invalid";
        }

        if (result.RequeueAfter is not null)
        {
            return "requeue";
        }

        Log.ResourceReconciled(_logger, Kind, key.Namespace, key.Name);
        return "valid";
    }

    /// <summary>A failure: retried with per-key backoff, unless it is terminal.</summary>
    private (string Outcome, Exception Error) Fail(ResourceKey key, Exception ex)
    {
        var (stage, cause) = ex is ReconcileStageException staged ? (staged.Stage, staged.InnerException!) : ("reconciler", ex);
        if (cause is TerminalReconcileException)
        {
            _metrics?.ReconcileFailed(Kind, "terminal");
            Log.ReconcileTerminal(_logger, cause, Kind, key.Namespace, key.Name, stage);
            _queue.Forget(key);
            return ("terminal", new InvalidOperationException($"The {stage} of {Kind} '{key}' failed for good: {cause.Message}", cause));
        }

        _metrics?.ReconcileFailed(Kind, stage);
        Log.ReconcileFailed(_logger, cause, Kind, key.Namespace, key.Name, stage, _queue.NumRequeues(key) + 1);
        _queue.AddRateLimited(key);
        return ("error", new InvalidOperationException($"The {stage} of {Kind} '{key}' failed: {cause.Message}", cause));
    }
}
