namespace Box.K8sEventReporting.Controller;

/// <summary>Watches objects of another type and turns their changes into keys of the controller's resource.</summary>
internal interface ISecondaryWatch
{
    /// <summary>Gets a value indicating whether the watched cache has loaded its initial list.</summary>
    bool HasSynced { get; }

    /// <summary>Waits until the watched cache has loaded its initial list.</summary>
    Task WaitForInitialSyncAsync(CancellationToken cancellationToken);

    /// <summary>Runs until <paramref name="cancellationToken"/> fires, calling <paramref name="enqueue"/> for every mapped key.</summary>
    Task RunAsync(Action<ResourceKey> enqueue, CancellationToken cancellationToken);
}
