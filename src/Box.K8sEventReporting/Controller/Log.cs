using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Controller;

/// <summary>The controller's log messages; event ids 4000–4999, stable.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4002, EventName = "ResourceReconciled", Level = LogLevel.Debug,
        Message = "{Kind} '{Namespace}/{Name}' is valid and was reconciled.")]
    public static partial void ResourceReconciled(ILogger logger, string kind, string? @namespace, string name);

    [LoggerMessage(EventId = 4003, EventName = "ReconcileFailed", Level = LogLevel.Warning,
        Message = "Reconcile of {Kind} '{Namespace}/{Name}' failed in the {Stage} (attempt {Attempt}); retrying with backoff.")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, string kind, string? @namespace, string name, string stage, int attempt);

    [LoggerMessage(EventId = 4004, EventName = "ReconcileTerminal", Level = LogLevel.Error,
        Message = "Reconcile of {Kind} '{Namespace}/{Name}' failed in the {Stage} with a terminal error; not retried until it changes.")]
    public static partial void ReconcileTerminal(ILogger logger, Exception exception, string kind, string? @namespace, string name, string stage);

    [LoggerMessage(EventId = 4005, EventName = "ReportFailed", Level = LogLevel.Warning,
        Message = "Could not report a problem of {Kind} '{Namespace}/{Name}'.")]
    public static partial void ReportFailed(ILogger logger, Exception exception, string kind, string? @namespace, string? name);

    [LoggerMessage(EventId = 4006, EventName = "DecodeFailed", Level = LogLevel.Warning,
        Message = "A {Kind} could not be read (namespace '{Namespace}', name '{Name}', uid '{Uid}'): {Error}")]
    public static partial void DecodeFailed(ILogger logger, string kind, string? @namespace, string? name, string? uid, string error);

    [LoggerMessage(EventId = 4007, EventName = "StatusOnlyChangeSkipped", Level = LogLevel.Trace,
        Message = "{Kind} '{Namespace}/{Name}' changed without a new generation (status or metadata only); not reconciled again.")]
    public static partial void StatusOnlyChangeSkipped(ILogger logger, string kind, string? @namespace, string name);

    [LoggerMessage(EventId = 4020, EventName = "AlreadyReconciledSkipped", Level = LogLevel.Trace,
        Message = "{Kind} '{Namespace}/{Name}' at resourceVersion {ResourceVersion} was already reconciled; the late notification is not queued.")]
    public static partial void AlreadyReconciledSkipped(ILogger logger, string kind, string? @namespace, string name, string resourceVersion);

    [LoggerMessage(EventId = 4008, EventName = "WatchFailed", Level = LogLevel.Warning,
        Message = "The watch of {Kind} ended with an error; subscribing again in {Delay}.")]
    public static partial void WatchFailed(ILogger logger, Exception exception, string kind, TimeSpan delay);

    [LoggerMessage(EventId = 4009, EventName = "WorkersStarted", Level = LogLevel.Information,
        Message = "{Kind} controller started {Workers} workers.")]
    public static partial void WorkersStarted(ILogger logger, string kind, int workers);

    [LoggerMessage(EventId = 4010, EventName = "WorkersStopped", Level = LogLevel.Information,
        Message = "{Kind} controller stopped its workers.")]
    public static partial void WorkersStopped(ILogger logger, string kind);

    [LoggerMessage(EventId = 4011, EventName = "RequeuedAll", Level = LogLevel.Information,
        Message = "Queued all {Count} {Kind} objects for reconcile.")]
    public static partial void RequeuedAll(ILogger logger, string kind, int count);

    [LoggerMessage(EventId = 4012, EventName = "ResourceGone", Level = LogLevel.Debug,
        Message = "{Kind} '{Namespace}/{Name}' is gone; it is no longer revalidated.")]
    public static partial void ResourceGone(ILogger logger, string kind, string? @namespace, string name);

    [LoggerMessage(EventId = 4013, EventName = "SecondaryMapFailed", Level = LogLevel.Warning,
        Message = "Mapping a change of {Kind} '{Namespace}/{Name}' to the controller's resources failed; that trigger is skipped.")]
    public static partial void SecondaryMapFailed(ILogger logger, Exception exception, string kind, string? @namespace, string? name);

    [LoggerMessage(EventId = 4030, EventName = "OwnedChildConflict", Level = LogLevel.Information,
        Message = "{Kind} '{Namespace}/{Name}' is not controlled by {OwnerKind} '{OwnerName}' and is left unchanged: {Message}")]
    public static partial void OwnedChildConflict(ILogger logger, string kind, string? @namespace, string name, string ownerKind, string ownerName, string message);

    [LoggerMessage(EventId = 4031, EventName = "OwnedChildWritten", Level = LogLevel.Debug,
        Message = "{Kind} '{Namespace}/{Name}' {Outcome}.")]
    public static partial void OwnedChildWritten(ILogger logger, string kind, string? @namespace, string name, OwnedChildOutcome outcome);

    [LoggerMessage(EventId = 4032, EventName = "OwnedChildReplacing", Level = LogLevel.Information,
        Message = "Replacing {Kind} '{Namespace}/{Name}' (delete, then create): its {Field} must change and the API server does not update it.")]
    public static partial void OwnedChildReplacing(ILogger logger, string kind, string? @namespace, string name, string field);

    [LoggerMessage(EventId = 4033, EventName = "OwnedChildRefused", Level = LogLevel.Warning,
        Message = "The API server refused to {Verb} {Kind} '{Namespace}/{Name}' ({StatusCode}); reported on {OwnerKind} '{OwnerName}' and not retried before its next revalidation: {Message}")]
    public static partial void OwnedChildRefused(ILogger logger, string verb, string kind, string? @namespace, string name, int statusCode, string ownerKind, string ownerName, string message);
}
