using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Tests.Hosting;

/// <summary>Keeps every log entry, for assertions on what operators see.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, EventId EventId, string Message, Exception? Exception)> Entries { get; } = new();

    private readonly List<(Func<(LogLevel Level, EventId EventId, string Message, Exception? Exception), bool> Match, int Count, TaskCompletionSource Done)> _waiters = [];

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this);

    /// <summary>Waits until <paramref name="count"/> entries match, without polling.</summary>
    public async Task<IReadOnlyList<(LogLevel Level, EventId EventId, string Message, Exception? Exception)>> WaitForAsync(
        Func<(LogLevel Level, EventId EventId, string Message, Exception? Exception), bool> match, int count, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((match, count, done));
        }

        Signal();
        await done.Task.WaitAsync(timeout);
        return Entries.Where(match).ToArray();
    }

    private void Add((LogLevel, EventId, string, Exception?) entry)
    {
        Entries.Enqueue(entry);
        Signal();
    }

    private void Signal()
    {
        lock (_waiters)
        {
            foreach (var waiter in _waiters.Where(w => Entries.Count(w.Match) >= w.Count).ToArray())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Add((logLevel, eventId, formatter(state, exception), exception));
    }
}
