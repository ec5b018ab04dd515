using Box.K8sEventReporting.IntegrationTests.TestSupport;
using k8s;
using static Box.K8sEventReporting.IntegrationTests.Controller.ClusterAssertions;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>The controller against the cluster fixture; each test's replica watches only its own fresh namespace.</summary>
public sealed class ControllerIntegrationTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>, IAsyncLifetime
{
    private string ns = null!;

    public async Task InitializeAsync() => ns = await fixture.CreateNamespaceAsync("ctl");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Reconcile_ValidAndInvalidPkis_SecretAndReadyForValidWarningsOnPodsOfInvalid()
    {
        using var cluster = new ClusterAssertions(fixture);
        await using var replica = await ControlPlaneReplica.StartAsync(fixture, [ns], new AllowedServiceNames("app1"));

        await cluster.CreatePkiAsync(ns, "good", "app1");
        await cluster.CreatePkiAsync(ns, "bad", "unknown");
        await cluster.CreatePodAsync(ns, "bad-pod-1", "bad");
        await cluster.CreatePodAsync(ns, "bad-pod-2", "bad");

        await EventuallyAsync(() => cluster.SecretExistsAsync(ns, "good"), "the valid Pki's Secret exists");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(ns, "good"))?.Status == "True", "the valid Pki is Ready");
        await EventuallyAsync(
            async () => (await cluster.EventsAsync(ns)).Count(e => e.InvolvedObject.Kind == "Pod" && e.Reason == "ServiceNameNotAllowed") == 2,
            "both pods of the invalid Pki carry the Warning");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(ns, "bad"))?.Reason == "ServiceNameNotAllowed", "the invalid Pki is not Ready");
        Assert.False(await cluster.SecretExistsAsync(ns, "bad"));
        Assert.Contains((await cluster.EventsAsync(ns)), e => e.InvolvedObject.Kind == "Pki" && e.InvolvedObject.Name == "bad" && e.Type == "Warning");
    }

    [Fact]
    public async Task PodTrigger_PodCreatedForInvalidPki_GetsWarningWithoutWaitingForRevalidation()
    {
        using var cluster = new ClusterAssertions(fixture);
        await using var replica = await ControlPlaneReplica.StartAsync(fixture, [ns], new AllowedServiceNames("app1"));
        await cluster.CreatePkiAsync(ns, "bad", "unknown");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(ns, "bad"))?.Status == "False", "the invalid Pki is reported");

        await cluster.CreatePodAsync(ns, "late-pod", "bad");

        await EventuallyAsync(
            async () => (await cluster.EventsAsync(ns)).Any(e => e.InvolvedObject.Name == "late-pod" && e.Reason == "ServiceNameNotAllowed"),
            "the new pod gets its Warning within seconds (the revalidation interval is 5 minutes)");
    }

    [Fact]
    public async Task PodTrigger_PodCreatedRightAfterInvalidPki_WarnsThePodAndThePkiOnce()
    {
        // Applied together (a Pki and the Deployment that mounts its Secret): the Pki is reconciled when it appears and
        // again when its pod appears. The pod is told; the Pki, told a second earlier, must not count it twice.
        using var cluster = new ClusterAssertions(fixture);
        await using var replica = await ControlPlaneReplica.StartAsync(fixture, [ns], new AllowedServiceNames("app1"));
        await cluster.CreatePkiAsync(ns, "bad", "unknown");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(ns, "bad"))?.Status == "False", "the invalid Pki is reported");

        await cluster.CreatePodAsync(ns, "late-pod", "bad");
        await EventuallyAsync(
            async () => (await cluster.EventsAsync(ns)).Any(e => e.InvolvedObject.Name == "late-pod" && e.Reason == "ServiceNameNotAllowed"),
            "the new pod gets its Warning");
        await replica.StopAndFlushAsync();   // every Event write still waiting (the Pki's yield to the pods') is made

        var onPki = Assert.Single(await cluster.EventsAsync(ns), e => e.InvolvedObject.Kind == "Pki" && e.Reason == "ServiceNameNotAllowed");
        Assert.Equal(1, onPki.Count ?? 1);
    }

    [Fact]
    public async Task Owns_ProvisionedSecretDeleted_IsProvisionedAgain()
    {
        using var cluster = new ClusterAssertions(fixture);
        await using var replica = await ControlPlaneReplica.StartAsync(fixture, [ns], new AllowedServiceNames("app1"));
        await cluster.CreatePkiAsync(ns, "good", "app1");
        await EventuallyAsync(() => cluster.SecretExistsAsync(ns, "good"), "the Secret is provisioned");

        await cluster.Client.CoreV1.DeleteNamespacedSecretAsync("good", ns);

        await EventuallyAsync(() => cluster.SecretExistsAsync(ns, "good"), "the deleted Secret is provisioned again");

        // The reconciler records a provisioning after its create call returns, so the Secret can be seen a moment earlier.
        await EventuallyAsync(() => Task.FromResult(replica.Provisioned.Count(p => p == $"{ns}/good") >= 2), "the reconciler recorded both provisionings");
        Assert.Equal(2, replica.Provisioned.Count(p => p == $"{ns}/good"));
    }

    [Fact]
    public async Task StatusWrite_SameGeneration_DoesNotTriggerAnotherReconcile()
    {
        using var cluster = new ClusterAssertions(fixture);
        await using var replica = await ControlPlaneReplica.StartAsync(fixture, [ns], new AllowedServiceNames("app1"));
        await cluster.CreatePkiAsync(ns, "good", "app1");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(ns, "good"))?.Status == "True", "the Pki is Ready");

        // A later Pki is a marker: once it is Ready, the status write of the first has long been seen by the watch.
        await cluster.CreatePkiAsync(ns, "marker", "app1");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(ns, "marker"))?.Status == "True", "the marker is Ready");

        Assert.Equal(1, replica.Validated.Count(n => n == "good"));
        fixture.InProcess(server => Assert.Equal(1, server.CountRequests("patch", $"/namespaces/{ns}/pkis/good/status")));
    }

    [Fact]
    public async Task RequeueAll_AllowedNamesChange_RevalidatesAndFixesWithoutRestart()
    {
        using var cluster = new ClusterAssertions(fixture);
        var allowed = new AllowedServiceNames("app1");
        await using var replica = await ControlPlaneReplica.StartAsync(fixture, [ns], allowed);
        await cluster.CreatePkiAsync(ns, "later", "app2");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(ns, "later"))?.Status == "False", "app2 is not allowed yet");

        allowed.Set("app1", "app2");
        replica.Controller.RequeueAll();

        await EventuallyAsync(() => cluster.SecretExistsAsync(ns, "later"), "the now valid Pki gets its Secret");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(ns, "later"))?.Status == "True", "and its Ready condition");
        await EventuallyAsync(
            async () => (await cluster.EventsAsync(ns)).Any(e => e.InvolvedObject.Name == "later" && e.Type == "Normal" && e.Reason == "Valid"),
            "a Normal event says it is valid again");
    }
}
