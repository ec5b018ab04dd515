using System.Collections.Concurrent;
using Box.K8sEventReporting.Testing.ApiServer;
using Microsoft.Extensions.Logging;
using static Box.K8sEventReporting.IntegrationTests.ApiServer.ApiServerTestHelpers;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

[Trait("Cluster", "InProcessOnly")] // Tests the in-process server's own logging.
public sealed class InProcessApiServerLoggingTests
{
    [Fact]
    public async Task StartAsync_WithLoggerFactory_LogsOnlyOwnEventsWithStableIds()
    {
        var provider = new CapturingProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        await using (var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { LoggerFactory = factory }))
        {
            using var http = CreateHttp(server);
            server.Faults.FailNext(1, "/pods", 500);

            await SendJsonAsync(http, "GET", "/api/v1/namespaces/default/pods");
        }

        var ids = provider.Entries.Select(e => e.EventId.Id).ToList();
        Assert.Contains(9000, ids);
        Assert.Contains(9001, ids);
        Assert.Contains(9004, ids);
        Assert.All(provider.Entries, e => Assert.StartsWith("Box.K8sEventReporting", e.Category, StringComparison.Ordinal));
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, EventId EventId)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, EventId)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, eventId));
        }
    }
}
