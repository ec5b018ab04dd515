using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Reporting;

/// <summary>Status writes off the reconcile's critical path: coalesced per resource, retried until written, never lost in silence.</summary>
public sealed class StatusWriteQueueTests : IAsyncDisposable
{
    private static readonly IReadOnlyDictionary<string, JsonNode?> NoFields = new Dictionary<string, JsonNode?>();
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private readonly GatedStatusWriter writer = new();
    private readonly MetricTotals metrics = new();
    private readonly StatusWriteQueue queue;

    public StatusWriteQueueTests() =>
        queue = new StatusWriteQueue(new EventReporterOptions { MaxConcurrentWrites = 2 }, timeProvider: time, jitter: () => 0, metrics: metrics.Reporting);

    public async ValueTask DisposeAsync()
    {
        writer.Gate.TrySetResult();
        await queue.DisposeAsync();
        metrics.Dispose();
    }

    [Fact]
    public async Task Report_WhileTheStatusWriteHangs_ReturnsAndLaterReportsCoalesceIntoOneWriteKeepingEveryField()
    {
        var reporter = Create();
        var pki = NewPki();

        // The API server does not answer the first status write: the report (the reconcile) must not wait for it.
        await reporter.ReportWithStatusAsync(pki, ValidationResult.Success, Fields(("notAfter", "2027-01-01T00:00:00Z")), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.WaitUntilAsync(() => writer.Started == 1);
        await reporter.ReportWithStatusAsync(pki, Invalid("Broken"), NoFields, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await reporter.ReportWithStatusAsync(pki, ValidationResult.Success, Fields(("notAfter", "2027-02-01T00:00:00Z")), CancellationToken.None);
        await reporter.ReportWithStatusAsync(pki, ValidationResult.Success, Fields(("phase", "Issued")), CancellationToken.None);
        Assert.Equal(1, writer.Started);

        writer.Gate.SetResult();
        await queue.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        // The first write, then one for the three reports made meanwhile: the latest condition, every field asked for.
        Assert.Equal(2, writer.Writes.Count);
        var last = writer.Writes.Last();
        Assert.Equal((ConditionStatus.True, "Valid"), (last.Condition.Status, last.Condition.Reason));
        Assert.Equal("2027-02-01T00:00:00Z", last.Fields["notAfter"]!.GetValue<string>());
        Assert.Equal("Issued", last.Fields["phase"]!.GetValue<string>());
        Assert.Equal(0, queue.Pending);
    }

    [Fact]
    public async Task Write_ServerErrors_IsRetriedWithBackoffUntilWritten()
    {
        writer.Gate.SetResult();
        writer.FailNext(2, HttpStatusCode.InternalServerError);
        var reporter = Create();

        await reporter.ReportWithStatusAsync(NewPki(), Invalid("Broken"), NoFields, CancellationToken.None);

        await Eventually.WaitUntilAsync(() => writer.Writes.Count == 1, step: () => time.Advance(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(3, writer.Started);
        Assert.Equal("Broken", writer.Writes.Single().Condition.Reason);
        await queue.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Write_RefusedForGood_IsCountedAndNotRetried()
    {
        writer.Gate.SetResult();
        writer.FailNext(1, HttpStatusCode.UnprocessableEntity);
        var reporter = Create();

        await reporter.ReportWithStatusAsync(NewPki(), Invalid("Broken"), NoFields, CancellationToken.None);
        await queue.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, writer.Started);
        Assert.Empty(writer.Writes);
        Assert.Equal(1, metrics["k8s_event_reporting.status.lost"]);
    }

    [Fact]
    public async Task Write_ResourceChangedInItsSpecMeanwhile_IsLeftToTheReconcileOfTheNewGeneration()
    {
        writer.Gate.SetResult();
        var pki = NewPki();
        var current = NewPki();
        current.Metadata.Generation = 2;
        var reporter = Create(cached: current);

        await reporter.ReportWithStatusAsync(pki, Invalid("Broken"), NoFields, CancellationToken.None);
        await queue.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(writer.Writes);
    }

    private static Pki NewPki() => new() { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = "team-a", Uid = "pki-uid", Generation = 1 } };

    private static ValidationResult Invalid(string reason) => ValidationResult.Fail(new ValidationFailure("spec.serviceName", reason, "bad"));

    private static Dictionary<string, JsonNode?> Fields(params (string Name, string Value)[] fields) =>
        fields.ToDictionary(f => f.Name, f => (JsonNode?)JsonValue.Create(f.Value));

    // As a controller composes it: the status goes to the queue, and is written from the cached resource (when a cache is given).
    private ValidationProblemReporter<Pki> Create(Pki? cached = null) =>
        new(
            new NullRecorder(),
            new SecretConsumerPodSelector<Pki>(new InMemoryCache<V1Pod>([]), p => p.Metadata.Name),
            new QueuedStatusWriter<Pki>(queue, writer, cached is null ? null : new InMemoryCache<Pki>([cached])),
            new EventReporterOptions(),
            null,
            null,
            null,
            time,
            TimeSpan.Zero);

    private sealed class NullRecorder : IEventRecorder
    {
        public void Record(V1ObjectReference involvedObject, EventReport report)
        {
        }
    }

    /// <summary>A status subresource whose writes wait for <see cref="Gate"/> and fail on demand.</summary>
    private sealed class GatedStatusWriter : IResourceConditionWriter
    {
        private readonly ConcurrentQueue<HttpStatusCode> faults = new();
        private int started;

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<(ResourceCondition Condition, IReadOnlyDictionary<string, JsonNode?> Fields)> Writes { get; } = new();

        public int Started => Volatile.Read(ref started);

        public void FailNext(int times, HttpStatusCode code)
        {
            for (var i = 0; i < times; i++)
            {
                faults.Enqueue(code);
            }
        }

        public Task<bool> SetConditionAsync<T>(T resource, ResourceCondition condition, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => SetStatusAsync(resource, condition, NoFields, cancellationToken);

        public async Task<bool> SetStatusAsync<T>(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta>
        {
            Interlocked.Increment(ref started);
            await Gate.Task.WaitAsync(cancellationToken);
            if (faults.TryDequeue(out var code))
            {
                throw FakeEventWriter.Status(code);
            }

            Writes.Enqueue((condition, fields));
            return true;
        }
    }
}
