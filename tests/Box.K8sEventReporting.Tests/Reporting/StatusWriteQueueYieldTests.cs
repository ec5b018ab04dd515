using System.Collections.Concurrent;
using Box.K8sEventReporting.Reporting;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Reporting;

/// <summary>Status writes wait while a controller has reconciles ready or running: the floor first, the status right after.</summary>
public sealed class StatusWriteQueueYieldTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<string> written = new();
    private int pendingReconciles;

    [Fact]
    public async Task Post_WhileAReconcileRuns_IsWrittenWhenTheReconcilesEnd()
    {
        using var metrics = new MetricTotals();
        await using var queue = new StatusWriteQueue(new EventReporterOptions(), timeProvider: time, metrics: metrics.Reporting);
        queue.Activity.AddSource(() => Volatile.Read(ref pendingReconciles));
        Volatile.Write(ref pendingReconciles, 1);

        queue.Post(new Write("team-a/app1-pki", written));
        await Eventually.WaitUntilAsync(() => metrics["k8s_event_reporting.status.yielded"] >= 1);
        var writtenWhileBusy = written.Count;
        Volatile.Write(ref pendingReconciles, 0);
        queue.Activity.Pulse();
        await queue.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, writtenWhileBusy);
        Assert.Equal(["team-a/app1-pki"], written);
    }

    [Fact]
    public async Task Post_WhileReconcilesNeverEnd_IsWrittenAfterTheLongestYield()
    {
        using var metrics = new MetricTotals();
        await using var queue = new StatusWriteQueue(new EventReporterOptions(), timeProvider: time, metrics: metrics.Reporting);
        queue.Activity.AddSource(() => Volatile.Read(ref pendingReconciles));
        Volatile.Write(ref pendingReconciles, 1);

        queue.Post(new Write("team-a/app1-pki", written));
        await Eventually.WaitUntilAsync(() => metrics["k8s_event_reporting.status.yielded"] >= 1);
        var parkedAt = time.GetUtcNow();
        time.Advance(StatusWriteQueue.MaxYield - TimeSpan.FromMilliseconds(1));
        var writtenBefore = written.Count;
        await Eventually.WaitUntilAsync(() => !written.IsEmpty, step: () => time.Advance(TimeSpan.FromMilliseconds(1)));

        Assert.Equal(0, writtenBefore);
        Assert.Equal(["team-a/app1-pki"], written);
        Assert.InRange(time.GetUtcNow() - parkedAt, StatusWriteQueue.MaxYield, StatusWriteQueue.MaxYield + TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Post_WhenNoReconcileRuns_IsWrittenWithoutWaiting()
    {
        await using var queue = new StatusWriteQueue(new EventReporterOptions(), timeProvider: time);
        queue.Activity.AddSource(() => Volatile.Read(ref pendingReconciles));

        queue.Post(new Write("team-a/app1-pki", written));
        await queue.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["team-a/app1-pki"], written);
    }

    private sealed class Write(string key, ConcurrentQueue<string> log) : IPendingStatusWrite
    {
        public string Key => key;

        public IPendingStatusWrite Absorb(IPendingStatusWrite older) => this;

        public Task WriteAsync(CancellationToken cancellationToken)
        {
            log.Enqueue(key);
            return Task.CompletedTask;
        }
    }
}
