using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Diagnostics;

namespace Box.K8sEventReporting.Watching;

/// <summary>The watcher's instruments on the library's one meter. Tags: <c>kind</c>, plus <c>outcome</c>, <c>cause</c> or <c>type</c>.</summary>
internal static class WatcherMetrics
{
    private static readonly ConcurrentDictionary<object, IWatcherGaugeSource> Sources = new();

    public static readonly Counter<long> Lists = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.lists", "{list}", "Complete lists (all pages) of a watched type, by outcome (success, failure).");

    public static readonly Counter<long> WatchRestarts = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.watch_restarts", "{restart}", "Watches restarted, by cause (timeout, closed, expired, inactivity, error).");

    public static readonly Counter<long> Relists = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.relists", "{relist}", "Relists after 410 Gone (expired resourceVersion).");

    public static readonly Counter<long> ChangesReceived = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.changes", "{change}", "Changes applied to the cache, by type (added, modified, deleted, decode_failed).");

    public static readonly Counter<long> DecodeFailures = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.decode_failures", "{object}", "Objects in a list or watch that did not deserialize into the watched type.");

    public static readonly Counter<long> TransformFailures = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.transform_failures", "{object}", "Objects the user's transform threw on; they were cached untransformed.");

    public static readonly Counter<long> ConsumerOverflows = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.consumer_overflows", "{overflow}", "Times a slow consumer's buffer filled up and it was re-synchronised from the cache.");

    public static readonly ObservableGauge<double> TimeSinceLastEvent = K8sEventReportingDiagnostics.Meter.CreateObservableGauge(
        "k8s_event_reporting.watcher.time_since_last_event",
        () => Sources.Values.Select(s => s.TimeSinceLastEvent).Where(m => m.HasValue).Select(m => m!.Value),
        "s",
        "Seconds since the watch last delivered anything (change or bookmark).");

    public static readonly ObservableGauge<long> CacheSize = K8sEventReportingDiagnostics.Meter.CreateObservableGauge(
        "k8s_event_reporting.watcher.cache.size",
        () => Sources.Values.Select(s => s.CacheSize),
        "{object}",
        "Objects in the watcher's cache.");

    public static void Register(object owner, IWatcherGaugeSource source) => Sources[owner] = source;

    public static void Unregister(object owner) => Sources.TryRemove(owner, out _);

    internal interface IWatcherGaugeSource
    {
        Measurement<double>? TimeSinceLastEvent { get; }

        Measurement<long> CacheSize { get; }
    }
}
