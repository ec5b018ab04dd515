using Box.K8sEventReporting.Reporting;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Reporting;

public class EventCorrelatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 16, 0, 0, TimeSpan.Zero);
    private static readonly InvolvedObjectKey PodKey = new("Pod", "team-a", "app1", "uid-app1");
    private static readonly V1ObjectReference PodRef = Pods.Ref("app1");

    private static EventCorrelator Create(int burst = 25, int threshold = 10, TimeSpan? window = null) => new(new EventReporterOptions
    {
        SpamFilterBurst = burst,
        AggregationThreshold = threshold,
        AggregationWindow = window ?? TimeSpan.FromMinutes(10),
        SpamFilterRefillInterval = TimeSpan.FromMinutes(5),
        CacheSize = 16,
    });

    private static CorrelationResult Observe(EventCorrelator correlator, string message, DateTimeOffset now, string reason = "InvalidServiceName", InvolvedObjectKey? key = null) =>
        correlator.Correlate(key ?? PodKey, PodRef, EventReport.Warning(reason, message), now);

    [Fact]
    public void Correlate_FirstObservation_Creates()
    {
        var result = Observe(Create(), "m", T0);

        Assert.Equal(CorrelationDecision.Create, result.Decision);
        Assert.Equal(1, result.Record.Count);
    }

    [Fact]
    public void Correlate_RepeatWhileWritePending_CoalescesWithoutNewWrite()
    {
        var correlator = Create();
        var first = Observe(correlator, "m", T0);

        var second = Observe(correlator, "m", T0.AddSeconds(1));

        Assert.Equal(CorrelationDecision.Coalesce, second.Decision);
        Assert.Same(first.Record, second.Record);
        Assert.Equal(2, second.Record.UnsentCount);
        Assert.Equal(T0.AddSeconds(1), second.Record.LastTimestamp);
        Assert.Equal(T0, second.Record.FirstTimestamp);
    }

    [Fact]
    public void Correlate_RepeatAfterWrite_PatchesWithNewCount()
    {
        var correlator = Create();
        var first = Observe(correlator, "m", T0);
        correlator.CompleteWrite(first.Record, serverCount: 1, delta: 1, T0);

        var second = Observe(correlator, "m", T0.AddMinutes(1));

        Assert.Equal(CorrelationDecision.Patch, second.Decision);
        Assert.Equal(2, second.Record.Count);
    }

    [Fact]
    public void Correlate_TwoDifferentMessages_NeverCollapse()
    {
        var correlator = Create();

        var a = Observe(correlator, "error A", T0);
        var b = Observe(correlator, "error B", T0);

        Assert.Equal(CorrelationDecision.Create, b.Decision);
        Assert.NotEqual(a.Record.Name, b.Record.Name);
    }

    [Theory]
    [InlineData(10, 10, false)] // ten distinct messages: kept apart
    [InlineData(10, 11, true)]  // the eleventh within the window: combined
    [InlineData(3, 4, true)]
    public void Correlate_DistinctMessagesBeyondThreshold_Aggregate(int threshold, int distinctMessages, bool lastIsAggregate)
    {
        var correlator = Create(threshold: threshold);
        CorrelationResult last = default;
        for (var i = 0; i < distinctMessages; i++)
        {
            last = Observe(correlator, "message " + i, T0.AddSeconds(i));
        }

        Assert.Equal(lastIsAggregate, last.Record.IsAggregate);
        if (lastIsAggregate)
        {
            Assert.Equal(EventCorrelator.AggregatePrefix + "message " + (distinctMessages - 1), last.Record.Message);
        }
    }

    [Fact]
    public void Correlate_AfterAggregating_MoreSimilarEventsRaiseTheAggregateCount()
    {
        var correlator = Create(threshold: 2);
        Observe(correlator, "a", T0);
        Observe(correlator, "b", T0);
        var aggregate = Observe(correlator, "c", T0).Record;

        var next = Observe(correlator, "d", T0.AddSeconds(1));

        Assert.Same(aggregate, next.Record);
        Assert.Equal(2, aggregate.Count);
        Assert.Equal(EventCorrelator.AggregatePrefix + "d", aggregate.Message);
    }

    [Fact]
    public void Correlate_SimilarEventsSpreadBeyondWindow_DoNotAggregate()
    {
        var correlator = Create(threshold: 2, window: TimeSpan.FromMinutes(10));
        Observe(correlator, "a", T0);
        Observe(correlator, "b", T0.AddMinutes(11));

        var third = Observe(correlator, "c", T0.AddMinutes(22));

        Assert.False(third.Record.IsAggregate);
    }

    [Fact]
    public void Correlate_NewEventsBeyondBurst_AreDropped()
    {
        var correlator = Create(burst: 3, threshold: 1000);
        var decisions = Enumerable.Range(0, 5).Select(i => Observe(correlator, "m", T0, reason: "Reason" + i).Decision).ToList();

        Assert.Equal([CorrelationDecision.Create, CorrelationDecision.Create, CorrelationDecision.Create, CorrelationDecision.Drop, CorrelationDecision.Drop], decisions);
    }

    [Fact]
    public void Correlate_SpamFilterIsPerObject()
    {
        var correlator = Create(burst: 1);
        Observe(correlator, "m", T0);

        var other = Observe(correlator, "m", T0, key: PodKey with { Name = "app2", Uid = "uid-app2" });

        Assert.Equal(CorrelationDecision.Create, other.Decision);
    }

    [Fact]
    public void Correlate_SpamFilterIsPerType_WarningsNeverUseTheNormalsTokens()
    {
        var correlator = Create(burst: 1);
        Observe(correlator, "m", T0);

        var normal = correlator.Correlate(PodKey, PodRef, EventReport.Normal("Valid", "valid again"), T0);

        Assert.Equal(CorrelationDecision.Create, normal.Decision);
    }

    [Fact]
    public void Correlate_NewNormalWithoutToken_IsDeferredNotDropped()
    {
        var correlator = Create(burst: 1);
        correlator.Correlate(PodKey, PodRef, EventReport.Normal("Valid", "valid"), T0);

        var second = correlator.Correlate(PodKey, PodRef, EventReport.Normal("Valid", "valid again"), T0);
        var warning = Observe(correlator, "m", T0);
        var secondWarning = Observe(correlator, "other", T0);

        Assert.Equal(CorrelationDecision.Defer, second.Decision);
        Assert.Equal(CorrelationDecision.Create, warning.Decision);
        Assert.Equal(CorrelationDecision.Drop, secondWarning.Decision);
        Assert.Equal(1, correlator.DeferredCount);
    }

    [Fact]
    public void AbandonWrite_MoreThanMaxDeferredEvents_DropsTheOldestAndSaysSo()
    {
        var dropped = new List<(string Name, long Lost, string Cause)>();
        var correlator = new EventCorrelator(new EventReporterOptions { MaxDeferredEvents = 2, CacheSize = 16 }, (r, lost) => dropped.Add((r.InvolvedObject.Name, lost, r.DeferCause)));
        var records = Enumerable.Range(1, 3)
            .Select(i => correlator.Correlate(PodKey with { Name = "p" + i, Uid = "u" + i }, Pods.Ref("p" + i), EventReport.Warning("Bad", "m"), T0).Record)
            .ToList();
        correlator.Correlate(PodKey with { Name = "p1", Uid = "u1" }, Pods.Ref("p1"), EventReport.Warning("Bad", "m"), T0); // a repeat while pending

        foreach (var record in records)
        {
            correlator.AbandonWrite(record, "write_failed");
        }

        Assert.Equal(("p1", 2L, "write_failed"), Assert.Single(dropped));
        Assert.Equal(2, correlator.DeferredCount);
        Assert.Equal(["p2", "p3"], correlator.TakeDeferred().Select(r => r.InvolvedObject.Name));
        var again = correlator.Correlate(PodKey with { Name = "p1", Uid = "u1" }, Pods.Ref("p1"), EventReport.Warning("Bad", "m"), T0);
        Assert.Equal((CorrelationDecision.Create, 1L), (again.Decision, again.Record.Count)); // forgotten: never written, so created anew
    }

    [Fact]
    public void Correlate_RepeatWithoutToken_IsDeferredAndKeepsCount()
    {
        var correlator = Create(burst: 1);
        var first = Observe(correlator, "m", T0);
        correlator.CompleteWrite(first.Record, 1, 1, T0);

        var second = Observe(correlator, "m", T0.AddSeconds(1));
        var third = Observe(correlator, "m", T0.AddSeconds(2));

        Assert.Equal(CorrelationDecision.Defer, second.Decision);
        Assert.Equal(CorrelationDecision.Defer, third.Decision);
        Assert.Equal(3, third.Record.Count);
        Assert.Equal(1, correlator.DeferredCount);
    }

    [Fact]
    public void Correlate_TokenRefilled_DeferredCountRidesWithNextWrite()
    {
        var correlator = Create(burst: 1);
        var first = Observe(correlator, "m", T0);
        correlator.CompleteWrite(first.Record, 1, 1, T0);
        Observe(correlator, "m", T0.AddSeconds(1));

        var later = Observe(correlator, "m", T0.AddMinutes(5));

        Assert.Equal(CorrelationDecision.Patch, later.Decision);
        Assert.Equal(2, later.Record.UnsentCount);
        Assert.Equal(0, correlator.DeferredCount);
    }

    [Fact]
    public void TakeDeferred_ReturnsHeldBackRecordsOnce()
    {
        var correlator = Create(burst: 1);
        var first = Observe(correlator, "m", T0);
        correlator.CompleteWrite(first.Record, 1, 1, T0);
        Observe(correlator, "m", T0.AddSeconds(1));

        var taken = correlator.TakeDeferred();

        Assert.Single(taken);
        Assert.True(taken[0].IsWritePending);
        Assert.Empty(correlator.TakeDeferred());
    }

    [Fact]
    public void CompleteWrite_ObservationsDuringWrite_QueueAnotherPatch()
    {
        var correlator = Create();
        var first = Observe(correlator, "m", T0);
        Observe(correlator, "m", T0);
        Observe(correlator, "m", T0);

        var next = correlator.CompleteWrite(first.Record, serverCount: 1, delta: 1, T0);

        Assert.Equal(CorrelationDecision.Patch, next);
        Assert.Equal(3, first.Record.Count);
    }

    [Fact]
    public void Correlate_EvictedRecord_StartsAgainWithTheSameName()
    {
        var correlator = Create(threshold: 1000);
        var first = Observe(correlator, "m", T0);
        correlator.CompleteWrite(first.Record, 1, 1, T0);
        for (var i = 0; i < 20; i++)
        {
            var other = Observe(correlator, "m", T0, key: PodKey with { Name = "p" + i, Uid = "u" + i });
            correlator.CompleteWrite(other.Record, 1, 1, T0);
        }

        var again = Observe(correlator, "m", T0.AddHours(1));

        Assert.Equal(CorrelationDecision.Create, again.Decision);
        Assert.NotSame(first.Record, again.Record);
        Assert.Equal(first.Record.Name, again.Record.Name);
    }

    [Fact]
    public void Correlate_EvictedWhileWritePending_RepeatFindsTheSameRecord()
    {
        var correlator = Create(threshold: 1000);
        var first = Observe(correlator, "m", T0);
        for (var i = 0; i < 20; i++)
        {
            Observe(correlator, "m", T0, key: PodKey with { Name = "p" + i, Uid = "u" + i });
        }

        var again = Observe(correlator, "m", T0.AddSeconds(1));

        Assert.Equal(CorrelationDecision.Coalesce, again.Decision);
        Assert.Same(first.Record, again.Record);
        Assert.Equal(2, again.Record.UnsentCount);
    }
}
