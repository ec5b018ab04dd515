using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Hosting;

/// <summary>The hosting log messages; event ids 5000–5999, stable.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5000, EventName = "Starting", Level = LogLevel.Information,
        Message = "Starting {ControllerCount} controller(s); leader election {LeaderElection}.")]
    public static partial void Starting(ILogger logger, int controllerCount, string leaderElection);

    [LoggerMessage(EventId = 5001, EventName = "StartFailed", Level = LogLevel.Critical,
        Message = "Cannot start: {Problem}")]
    public static partial void StartFailed(ILogger logger, string problem);

    [LoggerMessage(EventId = 5002, EventName = "StartedLeading", Level = LogLevel.Information,
        Message = "'{Identity}' now leads and reconciles.")]
    public static partial void StartedLeading(ILogger logger, string identity);

    [LoggerMessage(EventId = 5003, EventName = "StoppedLeading", Level = LogLevel.Warning,
        Message = "'{Identity}' lost its lease and stopped reconciling; it keeps its caches warm as a standby.")]
    public static partial void StoppedLeading(ILogger logger, string identity);

    [LoggerMessage(EventId = 5004, EventName = "NewLeader", Level = LogLevel.Information,
        Message = "The leader is now '{Leader}' (this replica: '{Identity}').")]
    public static partial void NewLeader(ILogger logger, string leader, string identity);

    [LoggerMessage(EventId = 5005, EventName = "LeaderElectionError", Level = LogLevel.Warning,
        Message = "Leader election of '{Identity}' hit an error; it keeps campaigning.")]
    public static partial void LeaderElectionError(ILogger logger, Exception exception, string identity);

    [LoggerMessage(EventId = 5006, EventName = "CachesSynced", Level = LogLevel.Information,
        Message = "Caches of {ControllerCount} controller(s) synced in {Elapsed}.")]
    public static partial void CachesSynced(ILogger logger, int controllerCount, TimeSpan elapsed);

    [LoggerMessage(EventId = 5007, EventName = "ShutdownAbandoned", Level = LogLevel.Warning,
        Message = "Reconciles still running after {Timeout} were cancelled at shutdown.")]
    public static partial void ShutdownAbandoned(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 5008, EventName = "RevalidatingOnChange", Level = LogLevel.Information,
        Message = "{Source} changed: revalidating every {Kind}.")]
    public static partial void RevalidatingOnChange(ILogger logger, string source, string kind);

    [LoggerMessage(EventId = 5009, EventName = "Campaigning", Level = LogLevel.Information,
        Message = "'{Identity}' campaigns for Lease '{Namespace}/{LeaseName}'.")]
    public static partial void Campaigning(ILogger logger, string identity, string @namespace, string leaseName);

    [LoggerMessage(EventId = 5010, EventName = "ControllerFailed", Level = LogLevel.Error,
        Message = "The controllers stopped on an unexpected error; liveness now fails.")]
    public static partial void ControllerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5011, EventName = "Stopped", Level = LogLevel.Information,
        Message = "Controllers stopped.")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 5012, EventName = "LeaseWriteFailed", Level = LogLevel.Warning,
        Message = "'{Identity}' could not write Lease '{Namespace}/{LeaseName}' (HTTP {StatusCode}): it cannot lead until this is fixed (403: grant get/create/update on coordination.k8s.io leases; 404: create the namespace or set LeaderElection:LeaseNamespace).")]
    public static partial void LeaseWriteFailed(ILogger logger, string identity, int statusCode, string @namespace, string leaseName);

    [LoggerMessage(EventId = 5013, EventName = "LeaseWriteConflict", Level = LogLevel.Debug,
        Message = "'{Identity}' lost a race for Lease '{Namespace}/{LeaseName}' to another replica.")]
    public static partial void LeaseWriteConflict(ILogger logger, string identity, string @namespace, string leaseName);

    [LoggerMessage(EventId = 5014, EventName = "HealthProbesListening", Level = LogLevel.Information,
        Message = "Health probes listening on {Prefix} ({ReadinessPath}, {LivenessPath}).")]
    public static partial void HealthProbesListening(ILogger logger, string prefix, string readinessPath, string livenessPath);

    [LoggerMessage(EventId = 5015, EventName = "HealthProbesStopped", Level = LogLevel.Information,
        Message = "Health probes on {Prefix} stopped.")]
    public static partial void HealthProbesStopped(ILogger logger, string prefix);

    [LoggerMessage(EventId = 5016, EventName = "HealthProbesStartFailed", Level = LogLevel.Debug,
        Message = "The health probes' listener did not start (the one-line summary follows at Critical).")]
    public static partial void HealthProbesStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5017, EventName = "HealthProbeFailed", Level = LogLevel.Warning,
        Message = "A health probe request failed; the endpoint keeps serving.")]
    public static partial void HealthProbeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5018, EventName = "HealthProbesFailed", Level = LogLevel.Error,
        Message = "Health probes on {Prefix} stopped on an unexpected error; the kubelet's probes now fail.")]
    public static partial void HealthProbesFailed(ILogger logger, Exception exception, string prefix);

    [LoggerMessage(EventId = 5030, EventName = "LeaseReleased", Level = LogLevel.Information,
        Message = "'{Identity}' released Lease '{Namespace}/{LeaseName}' on shutdown: a standby takes over within its retry period.")]
    public static partial void LeaseReleased(ILogger logger, string identity, string @namespace, string leaseName);

    [LoggerMessage(EventId = 5031, EventName = "LeaseReleaseFailed", Level = LogLevel.Warning,
        Message = "'{Identity}' could not release Lease '{Namespace}/{LeaseName}' on shutdown; a standby takes over when it expires.")]
    public static partial void LeaseReleaseFailed(ILogger logger, Exception exception, string identity, string @namespace, string leaseName);

    [LoggerMessage(EventId = 5019, EventName = "StartCheckFailed", Level = LogLevel.Debug,
        Message = "A start-up check failed (the one-line summary follows at Critical).")]
    public static partial void StartCheckFailed(ILogger logger, Exception exception);
}
