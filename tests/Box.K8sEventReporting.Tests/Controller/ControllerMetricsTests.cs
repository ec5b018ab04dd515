using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Diagnostics;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Controller;

public sealed class ControllerMetricsTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();

    public ControllerMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == K8sEventReportingDiagnostics.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public void WorkQueue_AddsRetriesAndDepth_ArePublishedWithTheKindTag()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue(new ExponentialFailureRateLimiter(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1)), time, "QueueProbe");

        queue.Add(new ResourceKey("ns", "a"));
        queue.Add(new ResourceKey("ns", "a"));
        queue.Add(new ResourceKey("ns", "b"));
        queue.AddRateLimited(new ResourceKey("ns", "c"));
        _listener.RecordObservableInstruments();

        Assert.Equal(2, Sum("k8s_event_reporting.workqueue.adds", "QueueProbe"));
        Assert.Equal(1, Sum("k8s_event_reporting.workqueue.retries", "QueueProbe"));
        Assert.Equal(2, Sum("k8s_event_reporting.workqueue.depth", "QueueProbe"));
    }

    [Fact]
    public async Task ReconcileAsync_InvalidResource_CountsAndTimesTheReconcileByOutcome()
    {
        var watcher = new FakeWatcher<Gizmo>();
        watcher.SetQuietly(new Gizmo { Metadata = new V1ObjectMeta { Name = "g", NamespaceProperty = "ns" } });
        using var controller = InvalidatingController(watcher);

        await controller.ReconcileAsync(new ResourceKey("ns", "g"), CancellationToken.None);
        await controller.ReconcileAsync(new ResourceKey("ns", "missing"), CancellationToken.None);

        Assert.Equal(1, Sum("k8s_event_reporting.reconcile.count", "Gizmo", ("outcome", "invalid")));
        Assert.Equal(1, Sum("k8s_event_reporting.reconcile.count", "Gizmo", ("outcome", "deleted")));
        Assert.Equal(2, _measurements.Count(m => m.Instrument == "k8s_event_reporting.reconcile.duration" && Equals(m.Tags["kind"], "Gizmo")));
    }

    [Fact]
    public async Task ReconcileAsync_AnyOutcome_IsOneSpanWithKindAndOutcome()
    {
        var spans = new ConcurrentQueue<System.Diagnostics.Activity>();
        using var activityListener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == K8sEventReportingDiagnostics.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(activityListener);
        var watcher = new FakeWatcher<Gizmo>();
        watcher.SetQuietly(new Gizmo { Metadata = new V1ObjectMeta { Name = "traced", NamespaceProperty = "ns" } });
        using var controller = InvalidatingController(watcher);

        await controller.ReconcileAsync(new ResourceKey("ns", "traced"), CancellationToken.None);

        var span = Assert.Single(spans, a => Equals(a.GetTagItem("k8s.object.name"), "traced"));
        Assert.Equal("reconcile Gizmo", span.DisplayName);
        Assert.Equal("invalid", span.GetTagItem("outcome"));
        Assert.Equal("ns", span.GetTagItem("k8s.namespace.name"));
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }

    private double Sum(string instrument, string kind, (string Key, string Value)? tag = null) =>
        _measurements
            .Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault("kind"), kind))
            .Where(m => tag is null || Equals(m.Tags.GetValueOrDefault(tag.Value.Key), tag.Value.Value))
            .Sum(m => m.Value);

    [KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "Gizmo", PluralName = "gizmos")]
    public sealed class Gizmo : IKubernetesObject<V1ObjectMeta>
    {
        public string ApiVersion { get; set; } = "box.com/v1";

        public string Kind { get; set; } = "Gizmo";

        public V1ObjectMeta Metadata { get; set; } = new();
    }

    // A loop whose reconciler finds every Gizmo invalid.
    private static ResourceController<Gizmo> InvalidatingController(FakeWatcher<Gizmo> watcher)
    {
        var time = new FakeTimeProvider();
        return new ResourceController<Gizmo>(
            new PrimarySource<Gizmo>(watcher, null, "Gizmo", NullLogger.Instance, time),
            [],
            new DelegateReconciler<Gizmo>((_, _) => ValueTask.FromResult(ReconcileResult.Invalid(new ValidationFailure("spec", "Invalid", "always")))),
            new ControllerOptions(),
            NullLogger.Instance,
            time);
    }
}
