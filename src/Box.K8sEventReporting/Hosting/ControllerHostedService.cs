using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Reporting;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Starts and stops everything in order: checks the cluster configuration, follows the watchers (leader or not), waits for
/// the caches, then campaigns; while leading, runs the workers. On stop: workers drain in-flight reconciles within the
/// shutdown timeout, then the rest is cancelled.
/// </summary>
internal sealed class ControllerHostedService : BackgroundService, IControllerHealth
{
    private readonly IServiceProvider _services;
    private readonly IOptions<ControllerOptions> _controllerOptions;
    private readonly IOptions<LeaderElectionOptions> _leaderElectionOptions;
    private readonly StartupCheck _check;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _abandon = new();
    private readonly List<IDisposable> _attachedHooks = [];
    private readonly TaskCompletionSource _drainDeadlineSet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IControllerRunner[] _runners = [];
    private ILeaderElection? _election;
    private CancellationToken _stopping;
    private ITimer? _abandonTimer;
    private TimeSpan _abandonDeadline;
    private volatile bool _started;
    private volatile bool _synced;
    private volatile bool _campaigning;
    private volatile bool _faulted;
    private volatile bool _disposed;

    public ControllerHostedService(
        IServiceProvider services,
        IOptions<ControllerOptions> controllerOptions,
        IOptions<LeaderElectionOptions> leaderElectionOptions,
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory = null)
    {
        // Options are read at start, after the start-up check: a bad value is one logged line, not a failed construction.
        _services = services;
        _controllerOptions = controllerOptions;
        _leaderElectionOptions = leaderElectionOptions;
        _check = services.GetRequiredService<StartupCheck>();
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Box.K8sEventReporting.Hosting");
    }

    internal string? Identity => _election?.Identity;

    /// <summary>Gets a task that completes once stopping has started its drain deadline, for tests on fake time.</summary>
    internal Task DrainDeadlineSet => _drainDeadlineSet.Task;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Under a host the check already ran (it is the host's start-up validator); started by hand, it runs here.
        if (_check.Run() is not null)
        {
            return;
        }

        _runners = [.. _services.GetServices<IControllerRunner>()];
        var election = _leaderElectionOptions.Value;
        _election = election.Enabled
            ? new LeaseLeaderElection(_services.GetRequiredService<IKubernetes>(), election, _loggerFactory.CreateLogger("Box.K8sEventReporting.Hosting.LeaderElection"), _timeProvider)
            : new SingleReplicaLeaderElection();
        foreach (var hook in _services.GetServices<IControllerHook>())
        {
            _attachedHooks.AddRange(hook.Attach(_services));
        }

        // One gauge for the host, read from its election; it reports nothing once the service is disposed.
        _services.GetService<ControllerMetrics>()?.ObserveGauge(
            "k8s_event_reporting.leader_election.is_leader",
            "{leader}",
            "1 while this replica holds the lease (or election is off), 0 on standby.",
            () => _disposed ? [] : [new Measurement<long>(_election?.IsLeader == true ? 1 : 0)]);
        Log.Starting(_logger, _runners.Length, election.Enabled ? "on" : "off");
        _started = true;
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            return;
        }

        var deadline = _controllerOptions.Value.ShutdownTimeout;
        var election = _leaderElectionOptions.Value;
        if (election.Enabled && election.RenewDeadline < deadline)
        {
            // The Lease is renewed while draining and released after it: bound how long a standby waits for the handover.
            deadline = election.RenewDeadline;
        }

        _abandonTimer?.Dispose();
        _abandonDeadline = deadline;
        _abandonTimer = _timeProvider.CreateTimer(
            static state =>
            {
                var self = (ControllerHostedService)state!;
                try
                {
                    if (!self._abandon.IsCancellationRequested)
                    {
                        Log.ShutdownAbandoned(self._logger, self._abandonDeadline);
                        self._abandon.Cancel();
                    }
                }
                catch (ObjectDisposedException)
                {
                    // The service was disposed while the timer fired: nothing is left to abandon.
                }
            },
            this,
            deadline,
            Timeout.InfiniteTimeSpan);
        _drainDeadlineSet.TrySetResult();
        try
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var hook in _attachedHooks)
            {
                hook.Dispose();
            }

            _attachedHooks.Clear();
            Log.Stopped(_logger);
        }
    }

    public override void Dispose()
    {
        _disposed = true;
        _abandonTimer?.Dispose();
        _abandon.Dispose();
        (_election as IDisposable)?.Dispose();
        base.Dispose();
    }

    public ControllerHealthReport Check()
    {
        if (_check.Problem is { } failure)
        {
            return new ControllerHealthReport(false, false, false, "not started: " + failure);
        }

        var isLeader = _election?.IsLeader == true;
        var synced = _synced && _runners.All(static r => r.HasSynced);
        var stalled = _runners.Where(static r => r.IsStalled).Select(static r => r.Kind).ToArray();
        var isLive = !_faulted && stalled.Length == 0;
        var isReady = synced && _campaigning && !_faulted;
        var description =
            _faulted ? "failed: the controllers stopped on an unexpected error"
            : stalled.Length > 0 ? "stalled: no progress on " + string.Join(", ", stalled)
            : !synced ? "syncing caches" + string.Concat(_runners.Select(static r => r.SyncProblem).OfType<string>().Select(static p => ": " + p))
            : isLeader ? $"leading as '{_election!.Identity}'"
            : $"standby as '{_election?.Identity}'";
        return new ControllerHealthReport(isReady, isLive, isLeader, description);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        var pumps = Task.WhenAll(_runners.Select(r => r.RunEventPumpAsync(stoppingToken)));
        try
        {
            var started = _timeProvider.GetTimestamp();
            await Task.WhenAll(_runners.Select(r => r.WaitForInitialSyncAsync(stoppingToken))).ConfigureAwait(false);
            _synced = true;
            var elapsed = _timeProvider.GetElapsedTime(started);
            Log.CachesSynced(_logger, _runners.Length, elapsed);

            _campaigning = true;
            await _election!.RunAsync(LeadAsync, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _faulted = true;
            Log.ControllerFailed(_logger, ex);
        }

        await pumps.ConfigureAwait(false);
    }

    private async Task LeadAsync(CancellationToken leadershipLost)
    {
        using var stopTaking = CancellationTokenSource.CreateLinkedTokenSource(leadershipLost, _stopping);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(leadershipLost, _abandon.Token);
        foreach (var runner in _runners)
        {
            // A new term starts from the whole cache: what the previous leader left undone is done now.
            runner.RequeueAll();
        }

        await Task.WhenAll(_runners.Select(r => r.RunWorkersAsync(stopTaking.Token, abandon.Token))).ConfigureAwait(false);

        // The status writes this term posted are part of its work: written before the Lease is released (within the same
        // drain deadline), so that a standby taking over does not race them. A lost term stops at once.
        if (_services.GetService<StatusWriteQueue>() is { } statusWrites)
        {
            try
            {
                await statusWrites.FlushAsync(abandon.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (abandon.IsCancellationRequested)
            {
                // Lost or abandoned: what waits is logged and counted when the queue is disposed.
            }
        }
    }
}
