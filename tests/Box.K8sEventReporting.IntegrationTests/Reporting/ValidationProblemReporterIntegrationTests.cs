using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using ControlPlane;
using Microsoft.Extensions.Options;
using k8s.Models;
using k8s;

namespace Box.K8sEventReporting.IntegrationTests.Reporting;

/// <summary>The reporter against the cluster fixture: each test in a fresh namespace, counting only our Events.</summary>
[Collection(ReportingCollection.Name)]
public sealed class ValidationProblemReporterIntegrationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>, IAsyncLifetime
{
    private const string SampleMessage = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]";
    private static readonly ValidationResult Invalid = ValidationResult.Fail(new ValidationFailure("spec.serviceName", "InvalidServiceName", SampleMessage));
    private IKubernetes client = cluster.Client;
    private string ns = null!;

    public async Task InitializeAsync() => ns = await cluster.CreateNamespaceAsync("vpr");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ReportAsync_Invalid_ReportsOnConsumerPodAndPkiAndCondition_NeverOnBystander()
    {
        await client.CoreV1.CreateNamespacedPodAsync(Reporting.Pod("app1", "app1-pki", @namespace: ns), ns);
        await client.CoreV1.CreateNamespacedPodAsync(Reporting.Pod("bystander", @namespace: ns), ns);
        var pki = await CreatePkiAsync();
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions());
        var reporter = await CreateReporterAsync(recorder);

        await reporter.ReportAsync(pki, Invalid);
        await recorder.FlushAsync();

        Assert.Equal(SampleMessage, Assert.Single(await Reporting.EventsAboutAsync(client, "app1", ns)).Message);
        Assert.Empty(await Reporting.EventsAboutAsync(client, "bystander", ns));
        var onPki = Assert.Single(await Reporting.EventsAboutAsync(client, "app1-pki", ns));
        Assert.Equal(("Pki", "box.com/v1", pki.Metadata.Uid, "Warning"), (onPki.InvolvedObject.Kind, onPki.InvolvedObject.ApiVersion, onPki.InvolvedObject.Uid, onPki.Type));
        var condition = Assert.Single((await ReadPkiAsync()).Status!.Conditions!);
        Assert.Equal(("Ready", "False", "InvalidServiceName", SampleMessage, 1L), (condition.Type, condition.Status, condition.Reason, condition.Message, condition.ObservedGeneration));
    }

    [Fact]
    public async Task ReportAsync_RepeatedInvalid_WritesConditionOnceAndRaisesEventCounts()
    {
        await client.CoreV1.CreateNamespacedPodAsync(Reporting.Pod("app1", "app1-pki", @namespace: ns), ns);
        await CreatePkiAsync();
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions());
        var reporter = await CreateReporterAsync(recorder);

        await reporter.ReportAsync(await ReadPkiAsync(), Invalid);
        await recorder.FlushAsync();
        await reporter.ReportAsync(await ReadPkiAsync(), Invalid);
        await recorder.FlushAsync();

        cluster.InProcess(server => Assert.Equal(1, server.Requests.Count(r => r.Path.Contains(ns, StringComparison.Ordinal) && r.Path.EndsWith("/status", StringComparison.Ordinal) && r.Method == "PATCH")));
        Assert.Equal(2, Assert.Single(await Reporting.EventsAboutAsync(client, "app1", ns)).Count);
    }

    [Fact]
    public async Task ReportAsync_BecomesValid_FlipsConditionAndSaysSoOnce()
    {
        await CreatePkiAsync();
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions());
        var reporter = await CreateReporterAsync(recorder);
        await reporter.ReportAsync(await ReadPkiAsync(), Invalid);
        var falseSince = (await ReadPkiAsync()).Status!.Conditions![0].LastTransitionTime;

        await reporter.ReportAsync(await ReadPkiAsync(), ValidationResult.Success);
        await reporter.ReportAsync(await ReadPkiAsync(), ValidationResult.Success);
        await recorder.FlushAsync();

        var condition = Assert.Single((await ReadPkiAsync()).Status!.Conditions!);
        Assert.Equal(("True", "Valid"), (condition.Status, condition.Reason));
        Assert.True(condition.LastTransitionTime >= falseSince);
        var normal = Assert.Single(await Reporting.EventsAboutAsync(client, "app1-pki", ns), e => e.Type == "Normal");
        Assert.Equal(("Valid", 1), (normal.Reason, normal.Count));
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Hand-made ReplicaSet and pods: a real deployment and replicaset controller would manage (and delete) them.
    public async Task ReportAsync_DeploymentWith200Replicas_CapsFanOutAndReportsOnDeployment()
    {
        await using var own = await Reporting.StartAsync();
        using var ownClient = own.CreateClient();
        (client, ns) = (ownClient, "team-a");
        var deployment = await client.AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = ns },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 200,
                    Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                    Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } }, Spec = Reporting.Pod("t", "app1-pki").Spec },
                },
            },
            ns);
        var replicaSet = await client.AppsV1.CreateNamespacedReplicaSetAsync(
            new V1ReplicaSet
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "web-5d4f",
                    NamespaceProperty = ns,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web", Uid = deployment.Metadata.Uid, Controller = true }],
                },
                Spec = new V1ReplicaSetSpec { Selector = deployment.Spec.Selector, Template = deployment.Spec.Template },
            },
            ns);
        var owner = new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web-5d4f", Uid = replicaSet.Metadata.Uid, Controller = true };
        for (var i = 0; i < 200; i++)
        {
            await client.CoreV1.CreateNamespacedPodAsync(Reporting.Pod($"web-5d4f-{i:000}", "app1-pki", owner), ns);
        }

        var pki = await CreatePkiAsync();
        await using var recorder = Reporting.Recorder(client, Reporting.FastOptions());
        var reporter = await CreateReporterAsync(recorder, new ListedCache<V1ReplicaSet>([replicaSet]));
        own.ClearRequests();

        await reporter.ReportAsync(pki, Invalid);
        await recorder.FlushAsync();

        var events = (await client.CoreV1.ListNamespacedEventAsync(ns)).Items;
        Assert.Equal(10, events.Count(e => e.InvolvedObject.Kind == "Pod"));
        Assert.Single(events, e => e.InvolvedObject.Kind == "Deployment" && e.InvolvedObject.Name == "web");
        Assert.Single(events, e => e.InvolvedObject.Kind == "Pki");
        Assert.Equal(12, Reporting.EventWrites(own));
        Assert.Equal(0, own.Requests.Count(r => r.Method == "GET" && r.Path.Contains("/pods", StringComparison.Ordinal)));
    }

    private async Task<ValidationProblemReporter<Pki>> CreateReporterAsync(KubernetesEventRecorder recorder, ListedCache<V1ReplicaSet>? replicaSets = null)
    {
        // One LIST stands in for the pod informer's initial sync; the reporter itself never lists.
        var pods = new ListedCache<V1Pod>((await client.CoreV1.ListNamespacedPodAsync(ns)).Items);
        return new ValidationProblemReporter<Pki>(
            recorder,
            new SecretConsumerPodSelector<Pki>(pods, p => p.Metadata.Name, PodSecretUsage.IndexName),
            new ResourceConditionWriter(client),
            Options.Create(new EventReporterOptions()),
            replicaSets: replicaSets);
    }

    private async Task<Pki> CreatePkiAsync()
    {
        var pki = new Pki { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "appp1" } };
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync(pki, "box.com", "v1", ns, "pkis");
        return KubernetesJson.Deserialize<Pki>(KubernetesJson.Serialize(created));
    }

    private async Task<Pki> ReadPkiAsync()
    {
        var read = await client.CustomObjects.GetNamespacedCustomObjectAsync("box.com", "v1", ns, "pkis", "app1-pki");
        return KubernetesJson.Deserialize<Pki>(KubernetesJson.Serialize(read));
    }
}
