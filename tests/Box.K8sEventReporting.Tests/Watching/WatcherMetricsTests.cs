using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;
using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Watching;

public sealed class WatcherMetricsTests : IDisposable
{
    private readonly RecordingTimeProvider time = new();
    private readonly ScriptedApiServer server;
    private readonly MeterListener listener = new();
    private readonly MeterCapture meters = new();
    private readonly ConcurrentQueue<(string Name, long Value, string? Tag)> measurements = new();

    public WatcherMetricsTests()
    {
        server = new ScriptedApiServer(time);
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters.Factory) && instrument.Name.StartsWith("k8s_event_reporting.watcher.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? kind = null, detail = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "kind")
                {
                    kind = tag.Value as string;
                }
                else
                {
                    detail = tag.Value as string;
                }
            }

            if (kind == "MetricProbe")
            {
                measurements.Enqueue((instrument.Name, value, detail));
            }
        });
        listener.Start();
    }

    public void Dispose()
    {
        listener.Dispose();
        meters.Dispose();
        server.Dispose();
    }

    private long Sum(string name, string? detail = null) =>
        measurements.Where(m => m.Name == name && (detail is null || m.Tag == detail)).Sum(m => m.Value);

    [Fact]
    public async Task Watcher_ListExpiryAndDecodeFailure_CountedByKindAndCause()
    {
        await using var watcher = new CustomResourceWatcher<MetricProbe>(
            server.Client,
            new CustomResourceWatcherOptions { BackoffJitter = 0, RequestTimeout = TimeSpan.FromHours(1) },
            timeProvider: time,
            meterFactory: meters.Factory);
        var sync = watcher.Cache.WaitForInitialSyncAsync();
        (await server.NextRequestAsync()).RespondList("10", null, "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"resourceVersion\":\"5\"}}");
        await sync.WaitAsync(TimeSpan.FromSeconds(10));
        var stream = (await server.NextRequestAsync()).RespondWatch();

        stream.Event("ADDED", "{\"metadata\":{\"name\":\"b\",\"namespace\":\"n\",\"resourceVersion\":\"11\"},\"size\":\"big\"}");
        stream.Expired();
        (await server.NextRequestAsync()).RespondList("20", null);
        await server.NextRequestAsync();
        listener.RecordObservableInstruments();

        Assert.Equal(2, Sum("k8s_event_reporting.watcher.lists", "success"));
        Assert.Equal(1, Sum("k8s_event_reporting.watcher.relists"));
        Assert.Equal(1, Sum("k8s_event_reporting.watcher.watch_restarts", "expired"));
        Assert.Equal(1, Sum("k8s_event_reporting.watcher.decode_failures"));
        Assert.Equal(1, Sum("k8s_event_reporting.watcher.changes", "added"));
        Assert.Equal(1, Sum("k8s_event_reporting.watcher.changes", "deleted"));
        Assert.Equal(0, watcher.Cache.Count);
    }

    [KubernetesEntity(Group = "example.com", ApiVersion = "v1", Kind = "MetricProbe", PluralName = "metricprobes")]
    public sealed class MetricProbe : IKubernetesObject<V1ObjectMeta>
    {
        [JsonPropertyName("apiVersion")]
        public string ApiVersion { get; set; } = "example.com/v1";

        [JsonPropertyName("kind")]
        public string Kind { get; set; } = "MetricProbe";

        [JsonPropertyName("metadata")]
        public V1ObjectMeta Metadata { get; set; } = new();

        [JsonPropertyName("size")]
        public int Size { get; set; }
    }
}
