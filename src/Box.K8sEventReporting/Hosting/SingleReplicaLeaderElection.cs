namespace Box.K8sEventReporting.Hosting;

/// <summary>Leader election turned off: this replica always leads.</summary>
internal sealed class SingleReplicaLeaderElection : ILeaderElection
{
    private volatile bool _isLeader;

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
}
