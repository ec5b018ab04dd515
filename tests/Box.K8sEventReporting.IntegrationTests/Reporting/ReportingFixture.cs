using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Box.K8sEventReporting.IntegrationTests.ApiServer;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing.ApiServer;
using Box.K8sEventReporting.Watching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using k8s.Models;
using k8s;

namespace Box.K8sEventReporting.IntegrationTests.Reporting;

/// <summary>Reporting tests against the in-process API server.</summary>
[CollectionDefinition(Name)]
public sealed class ReportingCollection
{
    public const string Name = "Reporting against the in-process API server";
}

internal static class Reporting
{
    public static EventReporterOptions FastOptions(Action<EventReporterOptions>? configure = null)
    {
        var options = new EventReporterOptions
        {
            ReportingComponent = "controlplane",
            ReportingInstance = "controlplane-test",
            ApiVersion = EventApiVersion.CoreV1,   // these tests read core/v1 fields; the events.k8s.io ones set EventsV1
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        return options;
    }

    public static KubernetesEventRecorder Recorder(IKubernetes client, EventReporterOptions options, MetricTotals? metrics = null) =>
        new(client, Options.Create(options), meterFactory: metrics?.Factory);

    public static V1Pod Pod(string name, string? secret = null, V1OwnerReference? owner = null, string @namespace = "team-a") => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, OwnerReferences = owner is null ? null : [owner] },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "app", Image = "app:1" }],
            Volumes = secret is null ? null : [new V1Volume { Name = "pki", Secret = new V1SecretVolumeSource { SecretName = secret } }],
        },
    };

    /// <summary>Our Events about an object (on a real cluster the scheduler and kubelet write some too).</summary>
    public static async Task<IList<Corev1Event>> EventsAboutAsync(IKubernetes client, string name, string @namespace = "team-a") =>
        (await client.CoreV1.ListNamespacedEventAsync(@namespace, fieldSelector: "involvedObject.name=" + name + ",reportingComponent=controlplane")).Items;

    public static int EventWrites(InProcessApiServer server, string? @namespace = null) =>
        server.Requests.Count(r => r.Path.Contains("/events", StringComparison.Ordinal) && r.Method is "POST" or "PATCH"
            && (@namespace is null || r.Path.Contains("/namespaces/" + @namespace + "/", StringComparison.Ordinal)));

    public static Task<InProcessApiServer> StartAsync() => ApiServerTestHelpers.StartWithPkiAsync();
}

/// <summary>A pod cache filled by one LIST, standing in for the pod informer (no LIST per error afterwards).</summary>
internal sealed class ListedCache<T> : IResourceCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly List<T> items;

    public ListedCache(IEnumerable<T> items) => this.items = items.ToList();

    public bool HasSynced => true;

    public int Count => items.Count;

    public Task WaitForInitialSyncAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public T? Get(string? @namespace, string name) => items.FirstOrDefault(i => i.Metadata.NamespaceProperty == @namespace && i.Metadata.Name == name);

    public IReadOnlyList<T> List(string? @namespace = null) => items.Where(i => @namespace is null || i.Metadata.NamespaceProperty == @namespace).ToList();

    public IReadOnlyList<T> ListByIndex(string indexName, string indexedValue) =>
        indexName == PodSecretUsage.IndexName && typeof(T) == typeof(V1Pod)
            ? items.Where(i => PodSecretUsage.IndexValues((V1Pod)(object)i).Contains(indexedValue)).ToList()
            : throw new ArgumentException("no index " + indexName);
}

/// <summary>Sums the library's counters by instrument and cause while alive, from the meters of its own factory only.</summary>
internal sealed class MetricTotals : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, long> totals = new();
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public MetricTotals()
    {
        Factory = services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Box.K8sEventReporting" && ReferenceEquals(instrument.Meter.Scope, Factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            totals.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
            foreach (var tag in tags)
            {
                if (tag.Key == "cause")
                {
                    totals.AddOrUpdate(instrument.Name + "|" + tag.Value, value, (_, v) => v + value);
                }
            }
        });
        listener.Start();
    }

    /// <summary>Gets the factory to hand to what the test measures.</summary>
    public IMeterFactory Factory { get; }

    public long this[string name] => totals.TryGetValue(name, out var v) ? v : 0;

    public void Dispose()
    {
        listener.Dispose();
        services.Dispose();
    }
}
