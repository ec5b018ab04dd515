using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Reporting;

/// <summary>The Reporting folder's log messages (event ids 3000-3999).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, EventName = "EventRecorded", Message = "Event({Kind} {Namespace}/{Name}): type: '{Type}' reason: '{Reason}' {Message}")]
    public static partial void EventRecorded(ILogger logger, LogLevel level, string kind, string @namespace, string name, EventType type, string reason, string message);

    [LoggerMessage(EventId = 3001, EventName = "EventDroppedBySpamFilter", Level = LogLevel.Warning, Message = "Event on {Kind} {Namespace}/{Name} with reason {Reason} dropped by the spam filter (more than the burst of writes for this object)")]
    public static partial void EventDroppedBySpamFilter(ILogger logger, string kind, string @namespace, string name, string reason);

    [LoggerMessage(EventId = 3002, EventName = "EventWriteDroppedQueueFull", Level = LogLevel.Warning, Message = "Event queue full ({Capacity}); the oldest waiting write ({Namespace}/{EventName}) was dropped; its count rides with its next write")]
    public static partial void EventWriteDroppedQueueFull(ILogger logger, int capacity, string @namespace, string eventName);

    [LoggerMessage(EventId = 3003, EventName = "EventAboutEventDropped", Level = LogLevel.Warning, Message = "Refused to record an Event about Event {Namespace}/{Name} (reason {Reason}): Events about Events flood clusters")]
    public static partial void EventAboutEventDropped(ILogger logger, string @namespace, string name, string reason);

    [LoggerMessage(EventId = 3004, EventName = "EventWriteRetrying", Level = LogLevel.Debug, Message = "Writing Event {Namespace}/{EventName} failed (status {StatusCode}, attempt {Attempt} of {MaxAttempts}); retrying in {Delay}")]
    public static partial void EventWriteRetrying(ILogger logger, Exception exception, string @namespace, string eventName, int statusCode, int attempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(EventId = 3005, EventName = "EventWriteFailed", Level = LogLevel.Error, Message = "Writing Event {Namespace}/{EventName} failed after {Attempts} attempts (last status {StatusCode}); its count rides with its next write")]
    public static partial void EventWriteFailed(ILogger logger, Exception exception, string @namespace, string eventName, int attempts, int statusCode);

    [LoggerMessage(EventId = 3006, EventName = "EventWriteRejected", Level = LogLevel.Error, Message = "The API server rejected Event {Namespace}/{EventName} with status {StatusCode}; it cannot succeed and will not be retried")]
    public static partial void EventWriteRejected(ILogger logger, Exception exception, string @namespace, string eventName, int statusCode);

    [LoggerMessage(EventId = 3007, EventName = "EventsLostAtShutdown", Level = LogLevel.Warning, Message = "{Count} Event writes were still waiting when the shutdown deadline of {Timeout} passed; they are lost")]
    public static partial void EventsLostAtShutdown(ILogger logger, long count, TimeSpan timeout);

    [LoggerMessage(EventId = 3008, EventName = "EventWriterCrashed", Level = LogLevel.Error, Message = "Event writer loop failed unexpectedly; the write of {Namespace}/{EventName} is abandoned")]
    public static partial void EventWriterCrashed(ILogger logger, Exception exception, string @namespace, string eventName);

    [LoggerMessage(EventId = 3009, EventName = "DeferredEventDropped", Level = LogLevel.Warning, Message = "{MaxDeferredEvents} Events are waiting for a later write already (MaxDeferredEvents); the oldest, {Namespace}/{EventName}, was dropped with {Lost} unwritten observation(s); it was waiting because of {Cause}")]
    public static partial void DeferredEventDropped(ILogger logger, int maxDeferredEvents, string @namespace, string eventName, long lost, string cause);

    [LoggerMessage(EventId = 3020, EventName = "ConditionWritten", Level = LogLevel.Debug, Message = "Set condition {ConditionType}={Status} ({Reason}) on {Kind} {Namespace}/{Name}")]
    public static partial void ConditionWritten(ILogger logger, string conditionType, ConditionStatus status, string reason, string kind, string @namespace, string name);

    [LoggerMessage(EventId = 3021, EventName = "ConditionWriteFailed", Level = LogLevel.Warning, Message = "Setting condition {ConditionType} on {Kind} {Namespace}/{Name} failed with status {StatusCode}")]
    public static partial void ConditionWriteFailed(ILogger logger, Exception exception, string conditionType, string kind, string @namespace, string name, int statusCode);

    [LoggerMessage(EventId = 3022, EventName = "StatusWriteRetrying", Level = LogLevel.Warning, Message = "Writing the status of {Key} failed (status {StatusCode}, failure {Failures}); retrying in {Delay}")]
    public static partial void StatusWriteRetrying(ILogger logger, Exception exception, string key, int statusCode, int failures, TimeSpan delay);

    [LoggerMessage(EventId = 3023, EventName = "StatusWriteRejected", Level = LogLevel.Error, Message = "The API server rejected the status of {Key} with status {StatusCode}; it cannot succeed and will not be retried")]
    public static partial void StatusWriteRejected(ILogger logger, Exception exception, string key, int statusCode);

    [LoggerMessage(EventId = 3024, EventName = "StatusWritesLostAtShutdown", Level = LogLevel.Warning, Message = "{Count} status writes were still waiting when the shutdown deadline of {Timeout} passed; they are lost")]
    public static partial void StatusWritesLostAtShutdown(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(EventId = 3025, EventName = "StatusWriteLost", Level = LogLevel.Warning, Message = "The status of {Key} was not written: {Why}")]
    public static partial void StatusWriteLost(ILogger logger, string key, string why);

    [LoggerMessage(EventId = 3030, EventName = "FanOutCapped", Level = LogLevel.Debug, Message = "{PodCount} affected pods of {OwnerKind} {Namespace}/{OwnerName} exceed {MaxPodsPerOwner}: reporting on the owner and the first {MaxPodsPerOwner} pods")]
    public static partial void FanOutCapped(ILogger logger, int podCount, string ownerKind, string @namespace, string ownerName, int maxPodsPerOwner);

    [LoggerMessage(EventId = 3040, EventName = "EventCountsListed", Level = LogLevel.Debug, Message = "Listed {Count} Events this component wrote before it started: their counts continue without a read each")]
    public static partial void EventCountsListed(ILogger logger, int count);

    [LoggerMessage(EventId = 3041, EventName = "EventCountsNotListed", Level = LogLevel.Information, Message = "Could not list the Events this component wrote before it started (status {StatusCode}: {Reason}); an existing Event's count is read after its create answers 409 instead (grant list on events to save those requests)")]
    public static partial void EventCountsNotListed(ILogger logger, int statusCode, string reason);

    [LoggerMessage(EventId = 4001, EventName = "ResourceInvalid", Level = LogLevel.Information,
        Message = "{Kind} '{Namespace}/{Name}' failed validation with {FailureCount} failure(s); reported, revalidating in {Interval}.")]
    public static partial void ResourceInvalid(ILogger logger, string kind, string? @namespace, string name, int failureCount, TimeSpan interval);

    [LoggerMessage(EventId = 4014, EventName = "ResourceStillInvalid", Level = LogLevel.Debug,
        Message = "{Kind} '{Namespace}/{Name}' still fails validation with {FailureCount} failure(s), as reported on it already; its pods were told again.")]
    public static partial void ResourceStillInvalid(ILogger logger, string kind, string? @namespace, string name, int failureCount);

    [LoggerMessage(EventId = 3050, EventName = "ReconcileErrorNotRecorded", Level = LogLevel.Warning,
        Message = "Could not record the reconcile error of {Kind} '{Namespace}/{Name}' as an Event.")]
    public static partial void ReconcileErrorNotRecorded(ILogger logger, Exception exception, string kind, string? @namespace, string? name);
}
