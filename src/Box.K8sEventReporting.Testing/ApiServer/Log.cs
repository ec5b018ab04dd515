using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Testing.ApiServer;

internal static partial class Log
{
    [LoggerMessage(EventId = 9000, EventName = "ApiServerStarted", Level = LogLevel.Information, Message = "In-process Kubernetes API server listening on {BaseAddress}")]
    public static partial void ApiServerStarted(ILogger logger, Uri baseAddress);

    [LoggerMessage(EventId = 9001, EventName = "RequestAnswered", Level = LogLevel.Debug, Message = "{Method} {Path}{Query} answered {StatusCode}")]
    public static partial void RequestAnswered(ILogger logger, string method, string path, string query, int statusCode);

    [LoggerMessage(EventId = 9002, EventName = "WatchOpened", Level = LogLevel.Debug, Message = "Watch of {Resource} opened from resourceVersion {ResourceVersion}")]
    public static partial void WatchOpened(ILogger logger, string resource, string resourceVersion);

    [LoggerMessage(EventId = 9003, EventName = "WatchClosed", Level = LogLevel.Debug, Message = "Watch of {Resource} closed ({Reason})")]
    public static partial void WatchClosed(ILogger logger, string resource, string reason);

    [LoggerMessage(EventId = 9004, EventName = "FaultInjected", Level = LogLevel.Information, Message = "Injected fault {Fault} into {Method} {Path}")]
    public static partial void FaultInjected(ILogger logger, string fault, string method, string path);

    [LoggerMessage(EventId = 9005, EventName = "SlowWatchClosed", Level = LogLevel.Warning, Message = "Watch of {Resource} closed: it fell more than {QueueLimit} events behind")]
    public static partial void SlowWatchClosed(ILogger logger, string resource, int queueLimit);

    [LoggerMessage(EventId = 9006, EventName = "RequestFailed", Level = LogLevel.Error, Message = "{Method} {Path} failed inside the in-process API server")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 9007, EventName = "WebhookFailedOpen", Level = LogLevel.Warning, Message = "Failed calling webhook, failing open {Webhook}: {Error}")]
    public static partial void WebhookFailedOpen(ILogger logger, string webhook, string error);

    [LoggerMessage(EventId = 9008, EventName = "WebhookFailedClosed", Level = LogLevel.Warning, Message = "Failed calling webhook, failing closed {Webhook}: {Error}")]
    public static partial void WebhookFailedClosed(ILogger logger, string webhook, string error);

    [LoggerMessage(EventId = 9009, EventName = "WebhookRejected", Level = LogLevel.Information, Message = "Rejected by webhook {Webhook}: {Message}")]
    public static partial void WebhookRejected(ILogger logger, string webhook, string message);
}
