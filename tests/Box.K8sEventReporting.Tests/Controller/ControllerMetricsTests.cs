using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Diagnostics;
using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Controller;

public sealed class ControllerMetricsTests : IDisposable
{
    private readonly MeterCapture _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public void WorkQueue_AddsRetriesAndDepth_ArePublishedWithTheKindTag()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue(new ExponentialFailureRateLimiter(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1)), time, "QueueProbe", _meters.Controller);

        queue.Add(new ResourceKey("ns", "a"));
        queue.Add(new ResourceKey("ns", "a"));
        queue.Add(new ResourceKey("ns", "b"));
        queue.AddRateLimited(new ResourceKey("ns", "c"));
        _meters.Collect();

        Assert.Equal(2, Sum("k8s_event_reporting.workqueue.adds", "QueueProbe"));
        Assert.Equal(1, Sum("k8s_event_reporting.workqueue.retries", "QueueProbe"));
        Assert.Equal(2, Sum("k8s_event_reporting.workqueue.depth", "QueueProbe"));
    }

    [Fact]
    public async Task ReconcileAsync_InvalidResource_CountsAndTimesTheReconcileByOutcome()
    {
        var watcher = new FakeWatcher<Gizmo>();
        watcher.SetQuietly(new Gizmo { Metadata = new V1ObjectMeta { Name = "g", NamespaceProperty = "ns" } });
        using var controller = InvalidatingController(watcher, _meters.Controller);

        await controller.ReconcileAsync(new ResourceKey("ns", "g"), CancellationToken.None);
        await controller.ReconcileAsync(new ResourceKey("ns", "missing"), CancellationToken.None);

        Assert.Equal(1, Sum("k8s_event_reporting.reconcile.count", "Gizmo", ("outcome", "invalid")));
        Assert.Equal(1, Sum("k8s_event_reporting.reconcile.count", "Gizmo", ("outcome", "deleted")));
        Assert.Equal(2, _meters.Count("k8s_event_reporting.reconcile.duration", ("kind", "Gizmo")));
    }

    [Fact]
    public async Task WorkQueue_ControllerRuntimeNames_ArePublishedWithNameAndControllerTags()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue(new ExponentialFailureRateLimiter(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1)), time, "QueueProbe", _meters.Controller);
        (string, object?)[] tags = [("name", "queueprobe"), ("controller", "queueprobe")];

        queue.Add(new ResourceKey("ns", "a"));
        queue.Add(new ResourceKey("ns", "b"));
        queue.AddRateLimited(new ResourceKey("ns", "c"));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.NotNull(await queue.GetAsync(CancellationToken.None));
        _meters.Collect();

        Assert.Equal(3, _meters.Sum("workqueue_adds", tags));
        Assert.Equal(1, _meters.Sum("workqueue_retries", tags));
        Assert.Equal(2, _meters.Sum("workqueue_depth", tags));
        var waited = Assert.Single(_meters.Measurements, m => m.Instrument == "workqueue_queue_duration");
        Assert.Equal(2, waited.Value);
        Assert.Equal("s", waited.Unit);
    }

    [Fact]
    public async Task ReconcileAsync_ControllerRuntimeNames_CountResultsErrorsTimeAndWorkers()
    {
        var watcher = new FakeWatcher<Gizmo>();
        watcher.SetQuietly(new Gizmo { Metadata = new V1ObjectMeta { Name = "ok", NamespaceProperty = "ns" } });
        watcher.SetQuietly(new Gizmo { Metadata = new V1ObjectMeta { Name = "later", NamespaceProperty = "ns" } });
        watcher.SetQuietly(new Gizmo { Metadata = new V1ObjectMeta { Name = "broken", NamespaceProperty = "ns" } });
        var time = new FakeTimeProvider();
        using var controller = new ResourceController<Gizmo>(
            new PrimarySource<Gizmo>(watcher, null, "Gizmo", NullLogger.Instance, time), [], new ByName(), new ControllerOptions(), NullLogger.Instance, time, metrics: _meters.Controller);
        (string, object?) gizmo = ("controller", "gizmo");

        await controller.ReconcileAsync(new ResourceKey("ns", "ok"), CancellationToken.None);
        await controller.ReconcileAsync(new ResourceKey("ns", "later"), CancellationToken.None);
        await controller.ReconcileAsync(new ResourceKey("ns", "broken"), CancellationToken.None);

        Assert.Equal(1, _meters.Sum("controller_runtime_reconcile", gizmo, ("result", "success")));
        Assert.Equal(1, _meters.Sum("controller_runtime_reconcile", gizmo, ("result", "requeue_after")));
        Assert.Equal(1, _meters.Sum("controller_runtime_reconcile", gizmo, ("result", "error")));
        Assert.Equal(1, _meters.Sum("controller_runtime_reconcile_errors", gizmo));
        Assert.Equal(3, _meters.Count("controller_runtime_reconcile_time", gizmo));
        Assert.Equal(3, _meters.Count("workqueue_work_duration", ("name", "gizmo"), gizmo));

        // Each reconcile took a worker and gave it back: six changes, none left in use.
        Assert.Equal(6, _meters.Count("controller_runtime_active_workers", gizmo));
        Assert.Equal(0, _meters.Sum("controller_runtime_active_workers", gizmo));
    }

    [Fact]
    public void ControllerRuntimeInstruments_ExportedToPrometheus_HaveControllerRuntimesNames()
    {
        // Create every instrument, then name each as OpenTelemetry's Prometheus exporter does: dots to underscores, the
        // unit's suffix (s: _seconds; curly-brace annotations are dropped), and _total for counters.
        using var queue = new WorkQueue(new ExponentialFailureRateLimiter(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1)), new FakeTimeProvider(), "Gizmo", _meters.Controller);
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, _meters.Factory))
                {
                    lock (instruments)
                    {
                        instruments.Add(instrument);
                    }
                }
            },
        };
        listener.Start();

        var exported = instruments.Select(PrometheusName).ToHashSet();

        Assert.Subset(exported, new HashSet<string>
        {
            "workqueue_depth", "workqueue_adds_total", "workqueue_queue_duration_seconds", "workqueue_work_duration_seconds",
            "workqueue_retries_total", "controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total",
            "controller_runtime_reconcile_time_seconds", "controller_runtime_active_workers",
        });
    }

    private static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        if (instrument.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name += "_seconds";
        }

        var isCounter = instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Counter<>);
        return isCounter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    [Fact]
    public async Task ReconcileAsync_AnyOutcome_IsOneSpanWithKindAndOutcome()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
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

    private double Sum(string instrument, string kind, (string Key, string Value)? tag = null) =>
        tag is { } t ? _meters.Sum(instrument, ("kind", kind), (t.Key, t.Value)) : _meters.Sum(instrument, ("kind", kind));

    [KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "Gizmo", PluralName = "gizmos")]
    public sealed class Gizmo : IKubernetesObject<V1ObjectMeta>
    {
        public string ApiVersion { get; set; } = "box.com/v1";

        public string Kind { get; set; } = "Gizmo";

        public V1ObjectMeta Metadata { get; set; } = new();
    }

    // A loop whose reconciler finds every Gizmo invalid.
    private static ResourceController<Gizmo> InvalidatingController(FakeWatcher<Gizmo> watcher, ControllerMetrics? metrics = null)
    {
        var time = new FakeTimeProvider();
        return new ResourceController<Gizmo>(
            new PrimarySource<Gizmo>(watcher, null, "Gizmo", NullLogger.Instance, time),
            [],
            new DelegateReconciler<Gizmo>((_, _) => ValueTask.FromResult(ReconcileResult.Invalid(new ValidationFailure("spec", "Invalid", "always")))),
            new ControllerOptions(),
            NullLogger.Instance,
            time,
            metrics: metrics);
    }

    private sealed class ByName : IReconciler<Gizmo>
    {
        public ValueTask<ReconcileResult> ReconcileAsync(Gizmo resource, CancellationToken cancellationToken) => resource.Metadata.Name switch
        {
            "broken" => throw new InvalidOperationException("broken"),
            "later" => ValueTask.FromResult(ReconcileResult.Requeue(TimeSpan.FromMinutes(1))),
            _ => ValueTask.FromResult(ReconcileResult.Done),
        };
    }
}
