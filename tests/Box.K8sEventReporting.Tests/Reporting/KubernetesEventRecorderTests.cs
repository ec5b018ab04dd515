using System.Net;
using Box.K8sEventReporting.Reporting;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Reporting;

public sealed class KubernetesEventRecorderTests : IAsyncLifetime
{
    private static readonly EventReport Sample = EventReport.Warning("InvalidServiceName", "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]");
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 25, 16, 0, 0, TimeSpan.Zero));
    private readonly FakeEventWriter writer = new();
    private readonly List<KubernetesEventRecorder> recorders = [];
    private readonly MetricTotals metrics = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        writer.Gate?.TrySetResult();
        foreach (var recorder in recorders)
        {
            await recorder.DisposeAsync();
        }

        metrics.Dispose();
    }

    [Fact]
    public async Task Record_StormOfIdenticalReports_EndsAsOneEventWithFullCountAndFewWrites()
    {
        var recorder = Create(new EventReporterOptions());

        for (var i = 0; i < 10_000; i++)
        {
            recorder.Record(Pods.Ref("app1"), Sample);
        }

        await recorder.FlushAsync();

        var (name, count) = Assert.Single(writer.Counts);
        Assert.StartsWith("app1.", name, StringComparison.Ordinal);
        Assert.Equal(10_000, count);
        Assert.InRange(writer.Writes, 1, 27); // at most the spam filter's burst, plus the flush
    }

    [Fact]
    public async Task Record_ConcurrentCallers_LoseNoObservation()
    {
        var recorder = Create(new EventReporterOptions());

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 2_500; i++)
            {
                recorder.Record(Pods.Ref("app" + (i % 5)), Sample);
            }
        })));
        await recorder.FlushAsync();

        Assert.Equal(5, writer.Counts.Count);
        Assert.All(writer.Counts.Values, count => Assert.Equal(2_000, count));
    }

    [Fact]
    public async Task Record_WriteInFlight_RepeatsRideWithOneFollowUpPatch()
    {
        var recorder = Create(new EventReporterOptions());
        writer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        recorder.Record(Pods.Ref("app1"), Sample);
        await Eventually.WaitUntilAsync(() => writer.Entered == 1);

        for (var i = 0; i < 99; i++)
        {
            recorder.Record(Pods.Ref("app1"), Sample);
        }

        writer.Gate.SetResult();
        await recorder.FlushAsync();

        Assert.Equal(["create", "patch"], writer.Calls);
        Assert.Equal(100, writer.Counts.Single().Value);
    }

    [Fact]
    public async Task Record_ExistingEventFromEarlierProcess_ContinuesItsCount()
    {
        var first = Create(new EventReporterOptions());
        first.Record(Pods.Ref("app1"), Sample);
        first.Record(Pods.Ref("app1"), Sample);
        await first.FlushAsync();
        await first.DisposeAsync();

        var callsBefore = writer.Calls.Count;
        var second = Create(new EventReporterOptions());
        second.Record(Pods.Ref("app1"), Sample);
        await second.FlushAsync();

        // One list of this component's Events at the first create, then one patch: no create answered 409, no read.
        Assert.Equal(3, Assert.Single(writer.Counts).Value);
        Assert.Equal(["patch"], writer.Calls.Skip(callsBefore));
        Assert.Equal(2, writer.Lists);
    }

    [Fact]
    public async Task Record_ExistingEventAndListingForbidden_ContinuesItsCountByReadingAfterThe409()
    {
        var first = Create(new EventReporterOptions());
        first.Record(Pods.Ref("app1"), Sample);
        await first.FlushAsync();
        await first.DisposeAsync();
        writer.ListFault = FakeEventWriter.Status(HttpStatusCode.Forbidden);

        var callsBefore = writer.Calls.Count;
        var second = Create(new EventReporterOptions());
        second.Record(Pods.Ref("app1"), Sample);
        second.Record(Pods.Ref("app2"), Sample);
        await second.FlushAsync();

        Assert.Equal(2, writer.Counts.Values.Max());
        Assert.Equal(["create", "create", "patch", "read"], writer.Calls.Skip(callsBefore).Order());
        Assert.Equal(2, writer.Lists);   // tried once by this process, not before every create
    }

    [Fact]
    public async Task Record_ServerAnswers500ThenRecovers_LosesNothingWithinBudget()
    {
        var recorder = Create(new EventReporterOptions { MaxWriteAttempts = 12 });
        writer.FailNext(5, () => FakeEventWriter.Status(HttpStatusCode.InternalServerError));

        recorder.Record(Pods.Ref("app1"), Sample);
        recorder.Record(Pods.Ref("app2"), Sample);
        await Eventually.WaitUntilAsync(() => recorder.PendingWrites == 0, () => time.Advance(TimeSpan.FromSeconds(1)));

        Assert.Equal(2, writer.Counts.Count);
        Assert.Equal(0, metrics["k8s_event_reporting.events.failed"]);
    }

    [Fact]
    public async Task Record_429WithRetryAfter_WaitsAtLeastRetryAfter()
    {
        var recorder = Create(new EventReporterOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10), RetryMaxDelay = TimeSpan.FromSeconds(10) });
        writer.FailNext(1, () => FakeEventWriter.Status(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(30)));

        writer.Clock = time;
        recorder.Record(Pods.Ref("app1"), Sample);
        await Eventually.WaitUntilAsync(() => writer.Calls.Count == 2, () => time.Advance(TimeSpan.FromSeconds(1)));
        await recorder.FlushAsync();

        // Only the lower bound is a contract the fake clock can check: the test advances time in steps while the sink's
        // retry timer may not be registered yet on a loaded machine, so an upper bound would measure the test, not the sink.
        var times = writer.CallTimes.ToArray();
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(30), $"retried after {times[1] - times[0]}");
        Assert.Single(writer.Counts);
    }

    [Fact]
    public async Task Record_RetryBudgetExhausted_CountsFailureAndKeepsObservationForNextWrite()
    {
        var recorder = Create(new EventReporterOptions { MaxWriteAttempts = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(1), RetryMaxDelay = TimeSpan.FromMilliseconds(1) });
        writer.FailNext(3, () => new HttpRequestException("connection refused"));

        recorder.Record(Pods.Ref("app1"), Sample);
        await Eventually.WaitUntilAsync(() => recorder.PendingWrites == 0, () => time.Advance(TimeSpan.FromMilliseconds(5)));
        await recorder.FlushAsync();

        Assert.Equal(1, metrics["k8s_event_reporting.events.failed"]);
        Assert.Equal(1, Assert.Single(writer.Counts).Value);
    }

    [Fact]
    public async Task Record_Rejected422_IsDroppedWithoutRetry()
    {
        var recorder = Create(new EventReporterOptions());
        writer.FailNext(1, () => FakeEventWriter.Status(HttpStatusCode.UnprocessableEntity));

        recorder.Record(Pods.Ref("app1"), Sample);
        await recorder.FlushAsync();

        Assert.Single(writer.Calls);
        Assert.Empty(writer.Counts);
        Assert.Equal(1, metrics["k8s_event_reporting.events.dropped|rejected"]);
    }

    [Fact]
    public async Task Record_PatchAnswers404_RecreatesWithContinuedCount()
    {
        var recorder = Create(new EventReporterOptions());
        recorder.Record(Pods.Ref("app1"), Sample);
        await recorder.FlushAsync();
        writer.Counts.Clear(); // the Event expired (TTL)

        recorder.Record(Pods.Ref("app1"), Sample);
        await recorder.FlushAsync();

        Assert.Equal(["create", "patch", "create"], writer.Calls);
        Assert.Equal(2, writer.Counts.Single().Value);
    }

    [Fact]
    public async Task Record_SpamFilter_DropsNewEventsAndCountsThem()
    {
        var recorder = Create(new EventReporterOptions { SpamFilterBurst = 25 });

        for (var i = 0; i < 30; i++)
        {
            recorder.Record(Pods.Ref("app1"), EventReport.Warning("Reason" + i, "m"));
        }

        await recorder.FlushAsync();

        Assert.Equal(25, writer.Counts.Count);
        Assert.Equal(5, metrics["k8s_event_reporting.events.dropped|spam_filter"]);
    }

    [Fact]
    public async Task Record_DeferredRepeats_AreWrittenWhenTokenReturnsWithoutNewReport()
    {
        var recorder = Create(new EventReporterOptions { SpamFilterBurst = 1, SpamFilterRefillInterval = TimeSpan.FromMinutes(5) });
        recorder.Record(Pods.Ref("app1"), Sample);
        await Eventually.WaitUntilAsync(() => recorder.PendingWrites == 0);
        recorder.Record(Pods.Ref("app1"), Sample);
        recorder.Record(Pods.Ref("app1"), Sample);
        Assert.Equal(2, metrics["k8s_event_reporting.events.deferred|spam_filter"]);

        time.Advance(TimeSpan.FromMinutes(5));
        await Eventually.WaitUntilAsync(() => writer.Counts.Values.SingleOrDefault() == 3);

        Assert.Equal(["create", "patch"], writer.Calls);
    }

    [Fact]
    public async Task Record_QueueFull_DropsOldestWriteAndCountsIt()
    {
        var recorder = Create(new EventReporterOptions { QueueCapacity = 2, MaxConcurrentWrites = 1 });
        writer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        recorder.Record(Pods.Ref("busy"), Sample);
        await Eventually.WaitUntilAsync(() => writer.Entered == 1);

        recorder.Record(Pods.Ref("p1"), Sample);
        recorder.Record(Pods.Ref("p2"), Sample);
        recorder.Record(Pods.Ref("p3"), Sample);
        writer.Gate.SetResult();
        await Eventually.WaitUntilAsync(() => recorder.PendingWrites == 0);

        Assert.Equal(1, metrics["k8s_event_reporting.events.dropped|queue_full"]);
        Assert.DoesNotContain(writer.Counts.Keys, k => k.StartsWith("p1.", StringComparison.Ordinal));
        Assert.Contains(writer.Counts.Keys, k => k.StartsWith("p3.", StringComparison.Ordinal));

        await recorder.FlushAsync(); // the dropped write's observation is kept and written now

        Assert.Contains(writer.Counts.Keys, k => k.StartsWith("p1.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Record_EventAboutAnEvent_IsNeverWritten()
    {
        var recorder = Create(new EventReporterOptions());

        recorder.Record(new V1ObjectReference { Kind = "Event", ApiVersion = "v1", Name = "app1.123", NamespaceProperty = "team-a" }, Sample);
        await recorder.FlushAsync();

        Assert.Empty(writer.Calls);
        Assert.Equal(1, metrics["k8s_event_reporting.events.dropped|about_event"]);
    }

    [Fact]
    public async Task Record_ClusterScopedObject_GoesToDefaultNamespace()
    {
        var recorder = Create(new EventReporterOptions());

        recorder.Record(new V1ObjectReference { Kind = "Node", ApiVersion = "v1", Name = "node-1", Uid = "n1" }, Sample);
        await recorder.FlushAsync();

        Assert.Equal("default", writer.Last.Single().Value.Namespace);
    }

    [Fact]
    public async Task Record_LongMessage_IsTruncatedBeforeWriting()
    {
        var recorder = Create(new EventReporterOptions());

        recorder.Record(Pods.Ref("app1"), EventReport.Warning("InvalidServiceName", "start " + new string('x', 5000) + " end"));
        await recorder.FlushAsync();

        var message = writer.Last.Single().Value.Message;
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(message) <= 1024);
        Assert.EndsWith(" end", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invalidReason")]
    [InlineData("Invalid Reason")]
    [InlineData("")]
    public void EventReport_BadReason_ThrowsWhenCreated_SayingWhatIsAllowed(string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => EventReport.Warning(reason, "m"));

        Assert.Contains("UpperCamelCase", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"(was '{reason}')", ex.Message, StringComparison.Ordinal);
        Assert.Equal("Reason", ex.ParamName);
        Assert.Throws<ArgumentException>(() => EventReport.Normal("Valid", "m") with { Reason = reason });
    }

    [Fact]
    public void Record_UndefinedType_Throws()
    {
        var recorder = Create(new EventReporterOptions());

        Assert.Throws<ArgumentException>(() => recorder.Record(Pods.Ref("app1"), new EventReport((EventType)7, "Reason", "m")));
    }

    [Theory]
    [InlineData(LogLevel.Information)]
    [InlineData(LogLevel.Debug)]
    public async Task Record_EveryEvent_IsLoggedAtTheChosenLevel(LogLevel level)
    {
        var logger = new CapturingLogger();
        var recorder = new KubernetesEventRecorder(writer, new EventReporterOptions { EventLogLevel = level }, logger, time, () => 0, metrics.Reporting);
        recorders.Add(recorder);

        recorder.Record(Pods.Ref("app1"), Sample);
        recorder.Record(Pods.Ref("app1"), Sample);
        await recorder.FlushAsync();

        var entries = logger.Entries.Where(e => e.EventId.Id == 3000).ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(level, e.Level));
        Assert.Equal("Event(Pod team-a/app1): type: 'Warning' reason: 'InvalidServiceName' " + Sample.Message, entries[0].Message);
    }

    [Fact]
    public async Task DisposeAsync_FlushesQueuedWrites()
    {
        var recorder = Create(new EventReporterOptions());
        recorder.Record(Pods.Ref("app1"), Sample);

        await recorder.DisposeAsync();

        Assert.Single(writer.Counts);
    }

    [Fact]
    public async Task DisposeAsync_ServerDown_GivesUpAtDeadlineAndCountsLoss()
    {
        var recorder = Create(new EventReporterOptions { ShutdownTimeout = TimeSpan.FromSeconds(5) });
        writer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        recorder.Record(Pods.Ref("app1"), Sample);

        var dispose = recorder.DisposeAsync().AsTask();
        await Eventually.WaitUntilAsync(() => dispose.IsCompleted, () => time.Advance(TimeSpan.FromSeconds(1)));
        await dispose;

        Assert.Equal(1, metrics["k8s_event_reporting.events.dropped|shutdown"]);
    }

    [Fact]
    public async Task Record_ForgedLineInMessage_IsEscapedInTheEventAndTheLogLine()
    {
        var logger = new CapturingLogger();
        var recorder = new KubernetesEventRecorder(writer, new EventReporterOptions(), logger, time, () => 0, metrics.Reporting);
        recorders.Add(recorder);

        recorder.Record(Pods.Ref("app1"), EventReport.Warning("InvalidServiceName", "ServiceName: app1\nWarning Fake: forged\0\u2028 in pki: p"));
        await recorder.FlushAsync();

        const string escaped = "ServiceName: app1\\nWarning Fake: forged\\x00\\u2028 in pki: p";
        Assert.Equal(escaped, Assert.Single(writer.Last.Values).Message);
        Assert.EndsWith(escaped, logger.Entries.Single(e => e.EventId.Id == 3000).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_InvalidForHoursThenValid_TheRecoveryNormalEventIsWritten()
    {
        var recorder = Create(new EventReporterOptions());
        var reporter = new ValidationProblemReporter<Pki>(
            recorder,
            new SecretConsumerPodSelector<Pki>(new InMemoryCache<V1Pod>([]), p => p.Metadata.Name),
            NSubstitute.Substitute.For<IResourceConditionWriter>(),
            Microsoft.Extensions.Options.Options.Create(new EventReporterOptions()));
        var pki = new Pki { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = "team-a", Uid = "pki-uid", Generation = 1 } };
        var invalid = Box.K8sEventReporting.Validation.ValidationResult.Fail(
            new Box.K8sEventReporting.Validation.ValidationFailure("spec.serviceName", "InvalidServiceName", "appp1 is not allowed"),
            new Box.K8sEventReporting.Validation.ValidationFailure("spec.serviceName", "ServiceNameMisspelt", "did you mean app1?"));

        // Revalidated every 5 minutes for 3 hours: two Warnings on the Pki each time, one spam-filter token back each time.
        for (var i = 0; i < 36; i++)
        {
            await reporter.ReportAsync(pki, invalid);
            await Eventually.WaitUntilAsync(() => recorder.PendingWrites == 0);
            time.Advance(TimeSpan.FromMinutes(5));
        }

        await reporter.ReportAsync(pki, Box.K8sEventReporting.Validation.ValidationResult.Success);
        await Eventually.WaitUntilAsync(() => recorder.PendingWrites == 0);

        var normal = Assert.Single(writer.Last.Values, w => w.Type == EventType.Normal);
        Assert.Equal(("Valid", "app1-pki"), (normal.Reason, normal.InvolvedObject.Name));
        Assert.Equal(0, metrics["k8s_event_reporting.events.dropped|spam_filter"]);
    }

    [Fact]
    public async Task Record_ApiDownWithManyDistinctEvents_DeferredSetIsBoundedAndDropsAreCountedAndLogged()
    {
        var logger = new CapturingLogger();
        var recorder = new KubernetesEventRecorder(writer, new EventReporterOptions { MaxDeferredEvents = 3, MaxWriteAttempts = 1, MaxConcurrentWrites = 1 }, logger, time, () => 0, metrics.Reporting);
        recorders.Add(recorder);
        writer.FailNext(5, () => FakeEventWriter.Status(HttpStatusCode.ServiceUnavailable));

        for (var i = 1; i <= 5; i++)
        {
            recorder.Record(Pods.Ref("p" + i), Sample);
        }

        await Eventually.WaitUntilAsync(() => recorder.PendingWrites == 0);

        Assert.Equal(2, metrics["k8s_event_reporting.events.dropped|deferred_full"]);
        var lines = logger.Entries.Where(e => e.EventId.Id == 3009).Select(e => e.Message).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Contains("waiting because of write_failed", l, StringComparison.Ordinal));
        Assert.Contains("team-a/p1.", lines[0], StringComparison.Ordinal);

        await recorder.FlushAsync(); // the API is back: the three newest are written, the two oldest were dropped

        Assert.Equal(["p3", "p4", "p5"], writer.Last.Values.Select(w => w.InvolvedObject.Name).Order());
    }

    [Fact]
    public async Task Record_ReportThatYieldsToOthers_WhilePodEventsWait_IsWrittenAfterThem()
    {
        var recorder = Create(new EventReporterOptions { MaxConcurrentWrites = 1 });
        writer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        recorder.Record(Pods.Ref("p0"), Sample);
        await Eventually.WaitUntilAsync(() => writer.Entered == 1);   // the one writer is busy

        var pki = new V1ObjectReference { Kind = "Pki", ApiVersion = "box.com/v1", Name = "app1-pki", NamespaceProperty = "team-a", Uid = "pki-uid" };
        recorder.Record(pki, Sample with { YieldsToOthers = true });
        recorder.Record(Pods.Ref("p1"), Sample);
        recorder.Record(Pods.Ref("p2"), Sample);
        writer.Gate.SetResult();
        await recorder.FlushAsync();

        // Recorded before the pods' Warnings, the Pki's Event is written after every one of them.
        Assert.Equal(["p0", "p1", "p2", "app1-pki"], writer.Created);
    }

    private KubernetesEventRecorder Create(EventReporterOptions options)
    {
        var recorder = new KubernetesEventRecorder(writer, options, null, time, () => 0, metrics.Reporting);
        recorders.Add(recorder);
        return recorder;
    }

    private sealed class CapturingLogger : ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
    }
}
