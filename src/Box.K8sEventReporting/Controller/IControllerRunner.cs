namespace Box.K8sEventReporting.Controller;

/// <summary>What the hosted service needs of a controller, whatever its resource type.</summary>
internal interface IControllerRunner
{
    /// <summary>Gets the resource kind, for logs and metrics.</summary>
    string Kind { get; }

    /// <summary>Gets a value indicating whether the primary and secondary caches have loaded their initial lists.</summary>
    bool HasSynced { get; }

    /// <summary>Gets why the primary cache has not synced yet (the last list failure and for how long), or <see langword="null"/>.</summary>
    string? SyncProblem { get; }

    /// <summary>Gets a value indicating whether keys have waited longer than the stall timeout without any progress.</summary>
    bool IsStalled { get; }

    /// <summary>Waits until the primary and secondary caches have loaded their initial lists.</summary>
    Task WaitForInitialSyncAsync(CancellationToken cancellationToken);

    /// <summary>Follows the watchers and queues keys, leader or not, until cancelled.</summary>
    Task RunEventPumpAsync(CancellationToken cancellationToken);

    /// <summary>Reconciles queued keys until <paramref name="stopTaking"/>; cancels reconciles in flight on <paramref name="abandon"/>.</summary>
    Task RunWorkersAsync(CancellationToken stopTaking, CancellationToken abandon);

    /// <summary>Queues every cached resource.</summary>
    void RequeueAll();
}
