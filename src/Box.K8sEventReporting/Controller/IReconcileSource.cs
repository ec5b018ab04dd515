namespace Box.K8sEventReporting.Controller;

/// <summary>
/// Where a controller's keys come from: the primary resource's watch, or the watch of another type mapped to primary keys.
/// A source only puts keys into the queue; what a key means is decided when it is reconciled.
/// </summary>
internal interface IReconcileSource
{
    /// <summary>Gets a value indicating whether the watched cache has loaded its initial list.</summary>
    bool HasSynced { get; }

    /// <summary>Waits until the watched cache has loaded its initial list.</summary>
    Task WaitForInitialSyncAsync(CancellationToken cancellationToken);

    /// <summary>Runs until <paramref name="cancellationToken"/> fires, adding the keys it maps changes to into <paramref name="queue"/>.</summary>
    Task RunAsync(WorkQueue queue, CancellationToken cancellationToken);
}
