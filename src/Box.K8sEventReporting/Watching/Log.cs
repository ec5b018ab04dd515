using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Watching;

/// <summary>The Watching folder's log messages (event ids 1000-1999).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "WatcherStarting", Level = LogLevel.Information,
        Message = "Starting list+watch of {Kind} ({ApiVersion}) in {Scope}")]
    public static partial void WatcherStarting(ILogger logger, string kind, string apiVersion, string scope);

    [LoggerMessage(EventId = 1001, EventName = "ListCompleted", Level = LogLevel.Debug,
        Message = "Listed {Count} {Kind} in {Scope} in {Pages} page(s) at resourceVersion {ResourceVersion}")]
    public static partial void ListCompleted(ILogger logger, int count, string kind, string scope, int pages, string resourceVersion);

    [LoggerMessage(EventId = 1002, EventName = "ListFailed", Level = LogLevel.Warning,
        Message = "Listing {Kind} in {Scope} failed: {Error} (failing for {Unreachable}); retrying in {Delay}")]
    public static partial void ListFailed(ILogger logger, string kind, string scope, string error, TimeSpan unreachable, TimeSpan delay);

    [LoggerMessage(EventId = 1021, EventName = "ListFailedDetail", Level = LogLevel.Debug,
        Message = "Listing {Kind} in {Scope} failed (the Warning above has the message).")]
    public static partial void ListFailedDetail(ILogger logger, Exception exception, string kind, string scope);

    [LoggerMessage(EventId = 1003, EventName = "ListContinueExpired", Level = LogLevel.Information,
        Message = "The continue token of the {Kind} list in {Scope} expired (410 Gone); restarting the list")]
    public static partial void ListContinueExpired(ILogger logger, string kind, string scope);

    [LoggerMessage(EventId = 1004, EventName = "WatchStarted", Level = LogLevel.Debug,
        Message = "Watching {Kind} in {Scope} from resourceVersion {ResourceVersion} (server timeout {TimeoutSeconds} s)")]
    public static partial void WatchStarted(ILogger logger, string kind, string scope, string resourceVersion, int timeoutSeconds);

    [LoggerMessage(EventId = 1005, EventName = "WatchTimedOut", Level = LogLevel.Debug,
        Message = "The watch of {Kind} in {Scope} reached its server-side timeout; resuming from resourceVersion {ResourceVersion}")]
    public static partial void WatchTimedOut(ILogger logger, string kind, string scope, string resourceVersion);

    [LoggerMessage(EventId = 1006, EventName = "WatchClosed", Level = LogLevel.Information,
        Message = "The watch of {Kind} in {Scope} was closed early by the server; resuming from resourceVersion {ResourceVersion} in {Delay}")]
    public static partial void WatchClosed(ILogger logger, string kind, string scope, string resourceVersion, TimeSpan delay);

    [LoggerMessage(EventId = 1007, EventName = "WatchExpired", Level = LogLevel.Information,
        Message = "The watch of {Kind} in {Scope} from resourceVersion {ResourceVersion} expired (410 Gone: {Message}); relisting in {Delay}")]
    public static partial void WatchExpired(ILogger logger, string kind, string scope, string resourceVersion, string? message, TimeSpan delay);

    [LoggerMessage(EventId = 1008, EventName = "WatchInactive", Level = LogLevel.Warning,
        Message = "The watch of {Kind} in {Scope} outlived its server-side timeout by {InactivityTimeout} without delivering anything; treating the connection as dead and resuming from resourceVersion {ResourceVersion} in {Delay}")]
    public static partial void WatchInactive(ILogger logger, string kind, string scope, TimeSpan inactivityTimeout, string resourceVersion, TimeSpan delay);

    [LoggerMessage(EventId = 1009, EventName = "WatchFailed", Level = LogLevel.Warning,
        Message = "The watch of {Kind} in {Scope} failed: {Error}; resuming from resourceVersion {ResourceVersion} in {Delay}")]
    public static partial void WatchFailed(ILogger logger, string kind, string scope, string error, string resourceVersion, TimeSpan delay);

    [LoggerMessage(EventId = 1022, EventName = "WatchFailedDetail", Level = LogLevel.Debug,
        Message = "The watch of {Kind} in {Scope} failed (the Warning above has the message).")]
    public static partial void WatchFailedDetail(ILogger logger, Exception exception, string kind, string scope);

    [LoggerMessage(EventId = 1010, EventName = "WatchErrorEvent", Level = LogLevel.Warning,
        Message = "The watch of {Kind} in {Scope} sent an ERROR event: {Code} {Reason}: {Message}; resuming in {Delay}")]
    public static partial void WatchErrorEvent(ILogger logger, string kind, string scope, int? code, string? reason, string? message, TimeSpan delay);

    [LoggerMessage(EventId = 1011, EventName = "DecodeFailed", Level = LogLevel.Warning,
        Message = "A {Kind} object ({Namespace}/{Name}, resourceVersion {ResourceVersion}) could not be read and is reported to consumers as a decode failure: {Error}")]
    public static partial void DecodeFailed(ILogger logger, string kind, string? @namespace, string? name, string? resourceVersion, string error);

    [LoggerMessage(EventId = 1012, EventName = "ConsumerOverflowed", Level = LogLevel.Warning,
        Message = "A consumer of {Kind} fell {Capacity} changes behind; it will be re-synchronised from the cache once it has read its buffer")]
    public static partial void ConsumerOverflowed(ILogger logger, string kind, int capacity);

    [LoggerMessage(EventId = 1013, EventName = "ConsumerResynchronised", Level = LogLevel.Information,
        Message = "Re-synchronised a slow consumer of {Kind}: {Added} added, {Modified} modified, {Deleted} deleted")]
    public static partial void ConsumerResynchronised(ILogger logger, string kind, int added, int modified, int deleted);

    [LoggerMessage(EventId = 1014, EventName = "Relisted", Level = LogLevel.Information,
        Message = "Relisted {Kind} in {Scope}: {Changes} change(s) the watch had missed")]
    public static partial void Relisted(ILogger logger, string kind, string scope, int changes);

    [LoggerMessage(EventId = 1015, EventName = "InitialSyncCompleted", Level = LogLevel.Information,
        Message = "The {Kind} cache is synced with {Count} object(s)")]
    public static partial void InitialSyncCompleted(ILogger logger, string kind, int count);

    [LoggerMessage(EventId = 1016, EventName = "IndexFunctionFailed", Level = LogLevel.Warning,
        Message = "Index {IndexName} of {Kind} threw for {Namespace}/{Name}; the object is filed under no value of that index")]
    public static partial void IndexFunctionFailed(ILogger logger, Exception exception, string indexName, string kind, string? @namespace, string name);

    [LoggerMessage(EventId = 1017, EventName = "TransformFailed", Level = LogLevel.Warning,
        Message = "The transform of {Kind} threw for {Namespace}/{Name}; the object is cached untransformed")]
    public static partial void TransformFailed(ILogger logger, Exception exception, string kind, string? @namespace, string? name);

    [LoggerMessage(EventId = 1018, EventName = "UnexpectedLoopError", Level = LogLevel.Error,
        Message = "Unexpected error in the list+watch of {Kind} in {Scope}; relisting in {Delay}")]
    public static partial void UnexpectedLoopError(ILogger logger, Exception exception, string kind, string scope, TimeSpan delay);

    [LoggerMessage(EventId = 1019, EventName = "WatcherStopped", Level = LogLevel.Information,
        Message = "Stopped the list+watch of {Kind}")]
    public static partial void WatcherStopped(ILogger logger, string kind);

    [LoggerMessage(EventId = 1023, EventName = "ListVersionUnavailable", Level = LogLevel.Information,
        Message = "Listing {Kind} in {Scope} at resourceVersion {ResourceVersion} was refused ({Code} {Reason}: too old, or not yet seen by this API server); listing again with a consistent read")]
    public static partial void ListVersionUnavailable(ILogger logger, string kind, string scope, string resourceVersion, int code, string? reason);
}
