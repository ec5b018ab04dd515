using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Diagnostics;

namespace Box.K8sEventReporting.Controller;

/// <summary>The controller's instruments, on the library's one meter. Tags: <c>kind</c>, <c>outcome</c>, <c>cause</c>.</summary>
internal static class ControllerMetrics
{
    public static readonly Counter<long> Reconciles = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.reconcile.count", "{reconcile}", "Reconciles run, by kind and outcome.");

    public static readonly Histogram<double> ReconcileDuration = K8sEventReportingDiagnostics.Meter.CreateHistogram<double>(
        "k8s_event_reporting.reconcile.duration", "s", "How long one reconcile took, by kind and outcome.");

    public static readonly Counter<long> ReconcileErrors = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.reconcile.errors", "{error}", "Reconciles that failed, by kind and cause.");

    public static readonly Counter<long> DecodeFailures = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.controller.decode_failures", "{object}", "Watched objects that could not be read, by kind.");

    public static readonly Counter<long> MapFailures = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.controller.map_failures", "{change}", "Secondary object changes whose map function threw (the trigger was lost, the watch went on), by kind.");

    public static readonly Counter<long> OwnedChildReplacements = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.owned_child.replacements", "{object}", "Owned children deleted and created anew because a field the API server will not update had to change, by kind.");

    public static readonly Counter<long> OwnedChildRefusals = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.owned_child.refusals", "{request}", "Owned-child writes the API server refused for a reason no retry fixes (400, 403, 422), by kind, verb and code.");

    public static readonly Counter<long> QueueAdds = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.workqueue.adds", "{key}", "Keys added to a work queue (not counting duplicates).");

    public static readonly Counter<long> QueueRetries = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.workqueue.retries", "{retry}", "Rate-limited re-adds of keys to a work queue.");

    public static readonly Histogram<double> QueueWait = K8sEventReportingDiagnostics.Meter.CreateHistogram<double>(
        "k8s_event_reporting.workqueue.wait_duration", "s", "How long a key waited in the queue before a worker took it.");

    private static readonly ConcurrentDictionary<WorkQueueMetrics, byte> Queues = new();
    private static readonly ConcurrentDictionary<Func<Measurement<int>>, byte> LeaderSources = new();

    static ControllerMetrics()
    {
        K8sEventReportingDiagnostics.Meter.CreateObservableGauge(
            "k8s_event_reporting.workqueue.depth",
            static () => Queues.Keys.Select(q => q.Depth()),
            "{key}",
            "Keys ready in a work queue, waiting for a worker.");
        K8sEventReportingDiagnostics.Meter.CreateObservableGauge(
            "k8s_event_reporting.leader_election.is_leader",
            static () => LeaderSources.Keys.Select(source => source()),
            "{leader}",
            "1 while this replica holds the lease (or election is off), 0 on standby.");
    }

    public static void Register(WorkQueueMetrics queue) => Queues.TryAdd(queue, 0);

    public static void Unregister(WorkQueueMetrics queue) => Queues.TryRemove(queue, out _);

    public static IDisposable RegisterLeaderSource(Func<Measurement<int>> source)
    {
        LeaderSources.TryAdd(source, 0);
        return new Unregistration(() => LeaderSources.TryRemove(source, out _));
    }

    public static TagList KindTags(string kind) => new() { { "kind", kind } };

    private sealed class Unregistration(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
