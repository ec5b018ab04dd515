using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Controller;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Leader election turned off: this replica always leads.</summary>
internal sealed class SingleReplicaLeaderElection : ILeaderElection, IDisposable
{
    private readonly IDisposable _gauge;
    private volatile bool _isLeader;

    public SingleReplicaLeaderElection() =>
        _gauge = ControllerMetrics.RegisterLeaderSource(() => new Measurement<int>(_isLeader ? 1 : 0));

    public string Identity { get; } = Environment.MachineName;

    public bool IsLeader => _isLeader;

    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lead);
        _isLeader = true;
        try
        {
            await lead(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _isLeader = false;
        }
    }

    public void Dispose() => _gauge.Dispose();
}
