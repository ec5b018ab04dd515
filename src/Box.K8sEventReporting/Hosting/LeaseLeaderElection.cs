using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Controller;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Leader election on a <c>coordination.k8s.io/v1</c> Lease, with KubernetesClient's <see cref="LeaderElector"/>.</summary>
internal sealed class LeaseLeaderElection : ILeaderElection, IDisposable
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly IDisposable _gauge;
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
        _gauge = ControllerMetrics.RegisterLeaderSource(() => new Measurement<int>(_isLeader ? 1 : 0));
    }

    public string Identity { get; }

    public string Namespace { get; }

    public bool IsLeader => _isLeader;

    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lead);
        Log.Campaigning(_logger, Identity, Namespace, _options.LeaseName);
        while (!cancellationToken.IsCancellationRequested)
        {
            await LeadOnceAsync(lead, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _gauge.Dispose();

    internal static string ResolveIdentity(LeaderElectionOptions options) =>
        !string.IsNullOrWhiteSpace(options.Identity) ? options.Identity
        : Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } podName ? podName
        : $"{Environment.MachineName}-{Guid.NewGuid():N}";

    private async Task LeadOnceAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        var leaseLock = new LeaseLock(_client, Namespace, _options.LeaseName, Identity);

        // Create and update failures (403 without RBAC on leases, 404 without the namespace, 409 when another replica won)
        // are swallowed by the lock; say them, or a replica that can never lead looks like a quiet standby.
        leaseLock.OnHttpError += error =>
        {
            var status = (int)error.Response.StatusCode;
            if (status == 409)
            {
                Log.LeaseWriteConflict(_logger, Identity, Namespace, _options.LeaseName);
            }
            else
            {
                Log.LeaseWriteFailed(_logger, Identity, status, Namespace, _options.LeaseName);
            }
        };
        var config = new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        using var leading = new CancellationTokenSource();
        Task leadTask = Task.CompletedTask;
        elector.OnStartedLeading += () =>
        {
            _isLeader = true;
            Log.StartedLeading(_logger, Identity);
            leadTask = Task.Run(() => lead(leading.Token), CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            _isLeader = false;

            // Lost the lease: stop at once. On shutdown, the caller's drain deadline decides instead.
            if (!cancellationToken.IsCancellationRequested)
            {
                Log.StoppedLeading(_logger, Identity);
                leading.Cancel();
            }
        };
        elector.OnNewLeader += leader => Log.NewLeader(_logger, leader, Identity);
        elector.OnError += error => Log.LeaderElectionError(_logger, error, Identity);

        try
        {
            await elector.RunUntilLeadershipLostAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.LeaderElectionError(_logger, ex, Identity);
            _isLeader = false;
            await leading.CancelAsync().ConfigureAwait(false);
            await leadTask.ConfigureAwait(false);

            // Do not hammer an API server that just failed; campaign again after one retry period.
            try
            {
                await Task.Delay(_options.RetryPeriod, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        await leadTask.ConfigureAwait(false);
    }
}
