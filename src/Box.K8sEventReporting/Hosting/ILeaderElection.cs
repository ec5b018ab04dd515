namespace Box.K8sEventReporting.Hosting;

/// <summary>Runs work only while this replica leads.</summary>
internal interface ILeaderElection
{
    /// <summary>Gets this replica's identity.</summary>
    string Identity { get; }

    /// <summary>Gets a value indicating whether this replica leads now.</summary>
    bool IsLeader { get; }

    /// <summary>
    /// Campaigns until <paramref name="cancellationToken"/> fires. Each time leadership is won, <paramref name="lead"/> runs
    /// with a token that fires the moment leadership is lost; it must return soon after.
    /// </summary>
    Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken);
}
