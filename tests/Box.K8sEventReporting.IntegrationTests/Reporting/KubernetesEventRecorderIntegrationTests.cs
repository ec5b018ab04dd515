using System.Text;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Reporting;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.Reporting;

/// <summary>The recorder against the cluster fixture: each test in a fresh namespace, counting only our Events.</summary>
[Collection(ReportingCollection.Name)]
public sealed class KubernetesEventRecorderIntegrationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>, IAsyncLifetime
{
    private const string SampleMessage = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]";
    private readonly IKubernetes client = cluster.Client;
    private string ns = null!;
    private V1Pod app1 = null!;

    public async Task InitializeAsync()
    {
        ns = await cluster.CreateNamespaceAsync("rec");
        app1 = await client.CoreV1.CreateNamespacedPodAsync(Reporting.Pod("app1", "app1-pki", @namespace: ns), ns);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Record_StormOf10000IdenticalReports_EndsAsOneEventWithFullCountAndBoundedWrites()
    {
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions());
        cluster.InProcess(server => server.ClearRequests());

        for (var i = 0; i < 10_000; i++)
        {
            recorder.Record(ObjectReferences.Create(app1), EventReport.Warning("InvalidServiceName", SampleMessage));
        }

        await recorder.FlushAsync();

        var e = Assert.Single(await Reporting.EventsAboutAsync(client, "app1", ns));
        Assert.Equal(10_000, e.Count);
        Assert.Equal(SampleMessage, e.Message);
        Assert.Equal(("Pod", "v1", ns, "app1", app1.Metadata.Uid, app1.Metadata.ResourceVersion), (e.InvolvedObject.Kind, e.InvolvedObject.ApiVersion, e.InvolvedObject.NamespaceProperty, e.InvolvedObject.Name, e.InvolvedObject.Uid, e.InvolvedObject.ResourceVersion));
        Assert.Equal(("controlplane", "controlplane", "controlplane-test", "Warning", "InvalidServiceName"), (e.Source.Component, e.ReportingComponent, e.ReportingInstance, e.Type, e.Reason));
        Assert.NotNull(e.FirstTimestamp);
        Assert.NotNull(e.LastTimestamp);
        cluster.InProcess(server => Assert.InRange(Reporting.EventWrites(server, ns), 1, 27));
    }

    [Fact]
    public async Task Record_SimilarMessages_AggregateIntoCombinedEvent()
    {
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions());

        for (var i = 0; i < 15; i++)
        {
            recorder.Record(ObjectReferences.Create(app1), EventReport.Warning("InvalidServiceName", "message " + i));
        }

        await recorder.FlushAsync();

        var events = await Reporting.EventsAboutAsync(client, "app1", ns);
        Assert.Equal(11, events.Count);
        var aggregate = Assert.Single(events, e => e.Message.StartsWith("(combined from similar events): ", StringComparison.Ordinal));
        Assert.Equal(5, aggregate.Count);
        Assert.Equal("(combined from similar events): message 14", aggregate.Message);
    }

    [Fact]
    public async Task Record_SpamFilter_DropsAndCounts()
    {
        using var metrics = new MetricTotals();
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions(), metrics);

        for (var i = 0; i < 30; i++)
        {
            recorder.Record(ObjectReferences.Create(app1), EventReport.Warning("Reason" + i, "m"));
        }

        await recorder.FlushAsync();

        Assert.Equal(25, (await Reporting.EventsAboutAsync(client, "app1", ns)).Count);
        Assert.Equal(5, metrics["k8s_event_reporting.events.dropped|spam_filter"]);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Injects 500s (ApiServerFaults).
    public async Task Record_ServerAnswers500ThenRecovers_LosesNothing()
    {
        await using var server = await Reporting.StartAsync();
        using var client = server.CreateClient();
        var app1 = await client.CoreV1.CreateNamespacedPodAsync(Reporting.Pod("app1", "app1-pki"), "team-a");
        using var metrics = new MetricTotals();
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions(), metrics);
        server.Faults.FailNext(5, "/events", 500);

        recorder.Record(ObjectReferences.Create(app1), EventReport.Warning("InvalidServiceName", SampleMessage));
        recorder.Record(ObjectReferences.Create(app1), EventReport.Warning("OtherReason", SampleMessage));
        await recorder.FlushAsync();

        Assert.Equal(2, (await Reporting.EventsAboutAsync(client, "app1")).Count);
        Assert.Equal(0, metrics["k8s_event_reporting.events.failed"]);
    }

    [Fact]
    public async Task Record_RestartedRecorder_ContinuesTheExistingEventsCount()
    {
        var report = EventReport.Warning("InvalidServiceName", SampleMessage);
        await using (var first = Reporting.Recorder(client, Reporting.FastOptions()))
        {
            first.Record(ObjectReferences.Create(app1), report);
            first.Record(ObjectReferences.Create(app1), report);
            await first.FlushAsync();
        }

        await using (var second = Reporting.Recorder(client, Reporting.FastOptions()))
        {
            second.Record(ObjectReferences.Create(app1), report);
            await second.FlushAsync();
        }

        var e = Assert.Single(await Reporting.EventsAboutAsync(client, "app1", ns));
        Assert.Equal(3, e.Count);
    }

    [Fact]
    public async Task Record_LongMessage_IsAcceptedShortenedWithStartAndEnd()
    {
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions(o => o.ApiVersion = EventApiVersion.EventsV1));
        var message = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [" + string.Join(' ', Enumerable.Range(0, 100).Select(i => $"allowed-name-{i:000}")) + "]";

        recorder.Record(ObjectReferences.Create(app1), EventReport.Warning("InvalidServiceName", message));
        await recorder.FlushAsync();

        var e = Assert.Single(await Reporting.EventsAboutAsync(client, "app1", ns));
        Assert.True(Encoding.UTF8.GetByteCount(e.Message) <= 1024);
        Assert.StartsWith("ServiceName: appp1", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("allowed-name-099]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_Automatic_WritesEventsV1_WhereTheServerServesIt()
    {
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions(o => o.ApiVersion = EventApiVersion.Automatic));

        recorder.Record(ObjectReferences.Create(app1), EventReport.Warning("InvalidServiceName", SampleMessage));
        await recorder.FlushAsync();

        // Every server since Kubernetes 1.19 serves events.k8s.io/v1; only an Event written through it has an eventTime.
        var list = await client.EventsV1.ListNamespacedEventAsync(ns, fieldSelector: "regarding.name=app1,reportingController=controlplane");
        var e = Assert.Single(list.Items);
        Assert.NotNull(e.EventTime);
        Assert.Equal(SampleMessage, e.Note);
    }

    [Fact]
    public async Task Record_EventsV1_WritesSeriesActionAndReportingController()
    {
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions(o =>
        {
            o.ApiVersion = EventApiVersion.EventsV1;
            o.ReportingComponent = "box.com/controlplane";
        }));
        var report = new EventReport(EventType.Warning, "InvalidServiceName", SampleMessage, "Validate");

        recorder.Record(ObjectReferences.Create(app1), report);
        await recorder.FlushAsync();
        recorder.Record(ObjectReferences.Create(app1), report);
        await recorder.FlushAsync();

        var list = await client.EventsV1.ListNamespacedEventAsync(ns, fieldSelector: "regarding.name=app1,reportingController=box.com/controlplane");
        var e = Assert.Single(list.Items);
        Assert.Equal(2, e.Series?.Count);
        Assert.Equal(("Validate", "box.com/controlplane", "controlplane-test", SampleMessage), (e.Action, e.ReportingController, e.ReportingInstance, e.Note));
        Assert.NotNull(e.EventTime);
    }

    [Fact]
    public async Task Record_EventsV1_RestartContinuesSeries()
    {
        var options = Reporting.FastOptions(o => o.ApiVersion = EventApiVersion.EventsV1);
        var report = EventReport.Warning("InvalidServiceName", SampleMessage);
        await using (var first = Reporting.Recorder(client, options))
        {
            first.Record(ObjectReferences.Create(app1), report);
            await first.FlushAsync();
        }

        await using (var second = Reporting.Recorder(client, options))
        {
            second.Record(ObjectReferences.Create(app1), report);
            await second.FlushAsync();
        }

        var e = Assert.Single((await client.EventsV1.ListNamespacedEventAsync(ns, fieldSelector: "regarding.name=app1,reportingController=controlplane")).Items);
        Assert.Equal(2, e.Series?.Count);
    }

    [Fact]
    public async Task Record_EventDeletedMeanwhile_PatchTurnsIntoCreate()
    {
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions());
        var report = EventReport.Warning("InvalidServiceName", SampleMessage);
        recorder.Record(ObjectReferences.Create(app1), report);
        await recorder.FlushAsync();
        var first = Assert.Single(await Reporting.EventsAboutAsync(client, "app1", ns));
        await client.CoreV1.DeleteNamespacedEventAsync(first.Metadata.Name, ns);

        recorder.Record(ObjectReferences.Create(app1), report);
        await recorder.FlushAsync();

        var again = Assert.Single(await Reporting.EventsAboutAsync(client, "app1", ns));
        Assert.Equal((first.Metadata.Name, 2), (again.Metadata.Name, again.Count));
    }
}
