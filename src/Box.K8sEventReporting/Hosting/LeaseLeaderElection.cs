using k8s;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Leader election on a <c>coordination.k8s.io/v1</c> Lease (<see cref="LeaseElector"/>, client-go's rules on a
/// <see cref="TimeProvider"/>): campaigns, runs the work while leading, stops it the moment a renewal misses the renew
/// deadline, and releases the Lease on shutdown once the work has drained.
/// </summary>
internal sealed class LeaseLeaderElection : ILeaderElection
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private volatile bool _isLeader;

    public LeaseLeaderElection(IKubernetes client, LeaderElectionOptions options, ILogger logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _client = client;
        _options = options;
        _logger = logger;
        Identity = ResolveIdentity(options);
        Namespace = PodNamespace.Resolve(options.LeaseNamespace);
    }

    public string Identity { get; }

    public string Namespace { get; }

    public bool IsLeader => _isLeader;

    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lead);
        Log.Campaigning(_logger, Identity, Namespace, _options.LeaseName);
        var elector = new LeaseElector(_client, Namespace, Identity, _options, _timeProvider, _logger);
        string? reportedLeader = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await elector.AcquireAsync(
                    () =>
                    {
                        if (elector.ObservedHolder is { Length: > 0 } holder && holder != reportedLeader)
                        {
                            reportedLeader = holder;
                            Log.NewLeader(_logger, holder, Identity);
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            await LeadTermAsync(elector, lead, cancellationToken).ConfigureAwait(false);
        }
    }


    internal static string ResolveIdentity(LeaderElectionOptions options) =>
        !string.IsNullOrWhiteSpace(options.Identity) ? options.Identity
        : Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } podName ? podName
        : $"{Environment.MachineName}-{Guid.NewGuid():N}";

    /// <summary>
    /// One term: runs <paramref name="lead"/> while renewing. When a renewal fails past the renew deadline, the lead token
    /// fires and nothing is written again; on shutdown the Lease is renewed until <paramref name="lead"/> has drained, then
    /// released so that a standby takes over at once.
    /// </summary>
    private async Task LeadTermAsync(LeaseElector elector, Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        _isLeader = true;
        Log.StartedLeading(_logger, Identity);
        using var leading = new CancellationTokenSource();
        using var renewing = new CancellationTokenSource();
        var leadTask = Task.Run(() => lead(leading.Token), CancellationToken.None);
        var renewTask = elector.RenewUntilLostAsync(renewing.Token);
        using var termOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var termEnded = WaitForLeadThenShutdownAsync(leadTask, termOver.Token);
        if (await Task.WhenAny(termEnded, renewTask).ConfigureAwait(false) == renewTask)
        {
            // Lost: stop at once; the renew loop has ended, so nothing renews or writes the Lease any more.
            _isLeader = false;
            Log.StoppedLeading(_logger, Identity);
            await leading.CancelAsync().ConfigureAwait(false);
            await termOver.CancelAsync().ConfigureAwait(false);
            await termEnded.ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested)
            {
                await DelayAsync(_options.RetryPeriod, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        // Shutdown and the work has drained (or the work failed): stop renewing, give the Lease up, then report the failure if any.
        await renewing.CancelAsync().ConfigureAwait(false);
        await renewTask.ConfigureAwait(false);
        _isLeader = false;
        using var releaseTimeout = new CancellationTokenSource(_options.RenewDeadline, _timeProvider);
        await elector.ReleaseAsync(releaseTimeout.Token).ConfigureAwait(false);
        await termEnded.ConfigureAwait(false);
    }

    /// <summary>
    /// Completes once the work has ended and the host is shutting down (work that returns early keeps the Lease held), or at
    /// once with the work's failure, which ends the term and then propagates to the caller.
    /// </summary>
    private async Task WaitForLeadThenShutdownAsync(Task leadTask, CancellationToken cancellationToken)
    {
        try
        {
            await leadTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await DelayAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
