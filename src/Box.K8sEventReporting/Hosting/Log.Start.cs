using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Start-up messages: configuration keys that bind to nothing.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5052, EventName = "UnknownSetting", Level = LogLevel.Warning,
        Message = "Unknown setting '{Key}' ({Value}) is ignored{Suggestion}")]
    public static partial void UnknownSetting(ILogger logger, string key, string value, string suggestion);
}
