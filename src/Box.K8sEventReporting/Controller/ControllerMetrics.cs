using System.Diagnostics;
using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Diagnostics;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// The controller's instruments on the library's meter, under the library's names (tags <c>kind</c>, <c>outcome</c>,
/// <c>cause</c>) and under controller-runtime's (tags <c>controller</c>, <c>name</c>, <c>result</c>), so that a
/// controller-runtime dashboard works unchanged.
/// </summary>
/// <remarks>
/// Names for Prometheus: OpenTelemetry's exporter turns dots into underscores, appends the unit (<c>s</c> becomes
/// <c>_seconds</c>; curly-brace units are dropped) and <c>_total</c> to counters. So the controller-runtime instruments are
/// named without those suffixes and get unit <c>s</c> or none: <c>workqueue_adds</c> exports as <c>workqueue_adds_total</c>,
/// <c>workqueue_queue_duration</c> (<c>s</c>) as <c>workqueue_queue_duration_seconds</c>.
/// </remarks>
internal sealed class ControllerMetrics
{
    private readonly Meter _meter;
    private readonly Counter<long> _reconciles;
    private readonly Histogram<double> _reconcileDuration;
    private readonly Counter<long> _reconcileErrors;
    private readonly Counter<long> _crReconciles;
    private readonly Counter<long> _crReconcileErrors;
    private readonly Histogram<double> _crReconcileTime;
    private readonly UpDownCounter<long> _crActiveWorkers;
    private readonly Histogram<double> _crWorkDuration;

    public ControllerMetrics(Meter meter)
    {
        _meter = meter;
        _reconciles = meter.CreateCounter<long>("k8s_event_reporting.reconcile.count", "{reconcile}", "Reconciles run, by kind and outcome.");
        _reconcileDuration = meter.CreateHistogram<double>("k8s_event_reporting.reconcile.duration", "s", "How long one reconcile took, by kind and outcome.");
        _reconcileErrors = meter.CreateCounter<long>("k8s_event_reporting.reconcile.errors", "{error}", "Reconciles that failed, by kind and cause.");
        DecodeFailures = meter.CreateCounter<long>("k8s_event_reporting.controller.decode_failures", "{object}", "Watched objects that could not be read, by kind.");
        MapFailures = meter.CreateCounter<long>("k8s_event_reporting.controller.map_failures", "{change}", "Secondary object changes whose map function threw (the trigger was lost, the watch went on), by kind.");
        OwnedChildReplacements = meter.CreateCounter<long>("k8s_event_reporting.owned_child.replacements", "{object}", "Owned children deleted and created anew because a field the API server will not update had to change, by kind.");
        OwnedChildRefusals = meter.CreateCounter<long>("k8s_event_reporting.owned_child.refusals", "{request}", "Owned-child writes the API server refused for a reason no retry fixes (400, 403, 422), by kind, verb and code.");
        QueueAdds = meter.CreateCounter<long>("k8s_event_reporting.workqueue.adds", "{key}", "Keys added to a work queue (not counting duplicates).");
        QueueRetries = meter.CreateCounter<long>("k8s_event_reporting.workqueue.retries", "{retry}", "Rate-limited re-adds of keys to a work queue.");
        QueueWait = meter.CreateHistogram<double>("k8s_event_reporting.workqueue.wait_duration", "s", "How long a key waited in the queue before a worker took it.");
        _crReconciles = meter.CreateCounter<long>("controller_runtime_reconcile", null, "Total number of reconciliations per controller, by result (success, error, requeue, requeue_after).");
        _crReconcileErrors = meter.CreateCounter<long>("controller_runtime_reconcile_errors", null, "Total number of reconciliation errors per controller.");
        _crReconcileTime = meter.CreateHistogram<double>("controller_runtime_reconcile_time", "s", "Length of time per reconciliation per controller.");
        _crActiveWorkers = meter.CreateUpDownCounter<long>("controller_runtime_active_workers", null, "Number of currently used workers per controller.");
        _crWorkDuration = meter.CreateHistogram<double>("workqueue_work_duration", "s", "How long in seconds processing an item from workqueue takes.");
        CrQueueAdds = meter.CreateCounter<long>("workqueue_adds", null, "Total number of adds handled by workqueue.");
        CrQueueRetries = meter.CreateCounter<long>("workqueue_retries", null, "Total number of retries handled by workqueue.");
        CrQueueDuration = meter.CreateHistogram<double>("workqueue_queue_duration", "s", "How long in seconds an item stays in workqueue before being requested.");
    }

    public Counter<long> DecodeFailures { get; }

    public Counter<long> MapFailures { get; }

    public Counter<long> OwnedChildReplacements { get; }

    public Counter<long> OwnedChildRefusals { get; }

    public Counter<long> QueueAdds { get; }

    public Counter<long> QueueRetries { get; }

    public Histogram<double> QueueWait { get; }

    public Counter<long> CrQueueAdds { get; }

    public Counter<long> CrQueueRetries { get; }

    public Histogram<double> CrQueueDuration { get; }

    /// <summary>Gets the controller's metrics from <paramref name="meterFactory"/>, or none without one.</summary>
    public static ControllerMetrics? Create(IMeterFactory? meterFactory) =>
        K8sEventReportingDiagnostics.CreateMeter(meterFactory) is { } meter ? new ControllerMetrics(meter) : null;

    public static TagList KindTags(string kind) => new() { { "kind", kind } };

    /// <summary>controller-runtime's controller name for a kind: the kind in lowercase, as its builder names controllers.</summary>
    public static string ControllerName(string kind) => kind.ToLowerInvariant();

    /// <summary>controller-runtime's work queue tags: the queue's name and its controller, both the controller's name.</summary>
    public static TagList QueueTags(string kind)
    {
        var name = ControllerName(kind);
        return new TagList { { "name", name }, { "controller", name } };
    }

    /// <summary>Publishes a gauge read when collected; the owner stops it by making <paramref name="observe"/> return nothing.</summary>
    public void ObserveGauge(string name, string? unit, string description, Func<IEnumerable<Measurement<long>>> observe) =>
        _meter.CreateObservableGauge(name, observe, unit, description);

    /// <summary>A worker took a key and starts reconciling it.</summary>
    public void ReconcileStarted(string kind) =>
        _crActiveWorkers.Add(1, new KeyValuePair<string, object?>("controller", ControllerName(kind)));

    /// <summary>A reconcile ended with <paramref name="outcome"/> after <paramref name="seconds"/>.</summary>
    public void ReconcileEnded(string kind, string outcome, double seconds)
    {
        var tags = new TagList { { "kind", kind }, { "outcome", outcome } };
        _reconciles.Add(1, tags);
        _reconcileDuration.Record(seconds, tags);
        var controller = new KeyValuePair<string, object?>("controller", ControllerName(kind));
        _crActiveWorkers.Add(-1, controller);
        _crReconciles.Add(1, controller, new KeyValuePair<string, object?>("result", ResultOf(outcome)));
        _crReconcileTime.Record(seconds, controller);
        _crWorkDuration.Record(seconds, QueueTags(kind));
    }

    /// <summary>A reconcile failed in <paramref name="cause"/> (the stage, or <c>terminal</c>).</summary>
    public void ReconcileFailed(string kind, string cause)
    {
        _reconcileErrors.Add(1, new TagList { { "kind", kind }, { "cause", cause } });
        _crReconcileErrors.Add(1, new KeyValuePair<string, object?>("controller", ControllerName(kind)));
    }

    // controller-runtime's results: an error, a requeue after a delay, or success (reported, deleted, or abandoned).
    private static string ResultOf(string outcome) => outcome switch
    {
        "error" or "terminal" => "error",
        "requeue" => "requeue_after",
        _ => "success",
    };
}
