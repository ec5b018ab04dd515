using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Diagnostics;

namespace Box.K8sEventReporting.Watching;

/// <summary>The watcher's instruments on the library's meter. Tags: <c>kind</c>, plus <c>outcome</c>, <c>cause</c> or <c>type</c>.</summary>
internal sealed class WatcherMetrics(Meter meter)
{
    public Counter<long> Lists { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.lists", "{list}", "Complete lists (all pages) of a watched type, by outcome (success, failure).");

    public Counter<long> WatchRestarts { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.watch_restarts", "{restart}", "Watches restarted, by cause (timeout, closed, expired, inactivity, error).");

    public Counter<long> Relists { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.relists", "{relist}", "Relists after 410 Gone (expired resourceVersion).");

    public Counter<long> ChangesReceived { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.changes", "{change}", "Changes applied to the cache, by type (added, modified, deleted, decode_failed).");

    public Counter<long> DecodeFailures { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.decode_failures", "{object}", "Objects in a list or watch that did not deserialize into the watched type.");

    public Counter<long> TransformFailures { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.transform_failures", "{object}", "Objects the user's transform threw on; they were cached untransformed.");

    public Counter<long> ConsumerOverflows { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.watcher.consumer_overflows", "{overflow}", "Times a slow consumer's buffer filled up and it was re-synchronised from the cache.");

    /// <summary>Gets the watcher's metrics from <paramref name="meterFactory"/>, or none without one.</summary>
    public static WatcherMetrics? Create(IMeterFactory? meterFactory) =>
        K8sEventReportingDiagnostics.CreateMeter(meterFactory) is { } meter ? new WatcherMetrics(meter) : null;

    /// <summary>Publishes one watcher's gauges until the returned handle is disposed (a gauge cannot be removed from a meter, so it then reports nothing).</summary>
    public IDisposable Observe(IWatcherGaugeSource source)
    {
        var handle = new Observation();
        meter.CreateObservableGauge(
            "k8s_event_reporting.watcher.time_since_last_event",
            () => handle.Stopped || source.TimeSinceLastEvent is not { } m ? [] : new[] { m },
            "s",
            "Seconds since the watch last delivered anything (change or bookmark).");
        meter.CreateObservableGauge(
            "k8s_event_reporting.watcher.cache.size",
            () => handle.Stopped ? [] : new[] { source.CacheSize },
            "{object}",
            "Objects in the watcher's cache.");
        return handle;
    }

    internal interface IWatcherGaugeSource
    {
        Measurement<double>? TimeSinceLastEvent { get; }

        Measurement<long> CacheSize { get; }
    }

    private sealed class Observation : IDisposable
    {
        private volatile bool _stopped;

        public bool Stopped => _stopped;

        public void Dispose() => _stopped = true;
    }
}
