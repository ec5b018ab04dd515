using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.IntegrationTests.TestSupport;

/// <summary>An <see cref="ILoggerFactory"/> that keeps every formatted log line (with a timestamp), for asserting on logs and for dumping them when a test fails.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<string> lines = new();
    private readonly long started = TimeProvider.System.GetTimestamp();

    public IReadOnlyCollection<string> Lines => lines;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var elapsed = TimeProvider.System.GetElapsedTime(owner.started).TotalMilliseconds;
            owner.lines.Enqueue($"{elapsed,8:F0} ms {logLevel} {eventId.Name}: {formatter(state, exception)}{(exception is null ? string.Empty : " (" + exception.GetType().Name + ": " + exception.Message + ")")}");
        }
    }
}
