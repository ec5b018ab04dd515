namespace Box.K8sEventReporting.Hosting;

/// <summary>What <see cref="IControllerHealth.Check"/> found.</summary>
/// <param name="IsReady">Caches are synced and this replica is either leading or a standby ready to take over.</param>
/// <param name="IsLive">The loop makes progress: nothing has waited in a queue past the stall timeout, and nothing crashed.</param>
/// <param name="IsLeader">This replica reconciles now (always, when leader election is off).</param>
/// <param name="Description">A one-line summary for the probe's response or a log.</param>
internal sealed record ControllerHealthReport(bool IsReady, bool IsLive, bool IsLeader, string Description);
