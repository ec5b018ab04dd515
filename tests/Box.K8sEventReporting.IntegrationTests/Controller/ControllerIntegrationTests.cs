using Box.K8sEventReporting.IntegrationTests.ApiServer;
using k8s;
using static Box.K8sEventReporting.IntegrationTests.Controller.ClusterAssertions;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

public sealed class ControllerIntegrationTests
{
    private const string Ns = "team-a";

    [Fact]
    public async Task Reconcile_ValidAndInvalidPkis_SecretAndReadyForValidWarningsOnPodsOfInvalid()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var cluster = new ClusterAssertions(server);
        await using var replica = await ControlPlaneReplica.StartAsync(server, new AllowedServiceNames("app1"));

        await cluster.CreatePkiAsync(Ns, "good", "app1");
        await cluster.CreatePkiAsync(Ns, "bad", "unknown");
        await cluster.CreatePodAsync(Ns, "bad-pod-1", "bad");
        await cluster.CreatePodAsync(Ns, "bad-pod-2", "bad");

        await EventuallyAsync(() => cluster.SecretExistsAsync(Ns, "good"), "the valid Pki's Secret exists");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(Ns, "good"))?.Status == "True", "the valid Pki is Ready");
        await EventuallyAsync(
            async () => (await cluster.EventsAsync(Ns)).Count(e => e.InvolvedObject.Kind == "Pod" && e.Reason == "ServiceNameNotAllowed") == 2,
            "both pods of the invalid Pki carry the Warning");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(Ns, "bad"))?.Reason == "ServiceNameNotAllowed", "the invalid Pki is not Ready");
        Assert.False(await cluster.SecretExistsAsync(Ns, "bad"));
        Assert.Contains((await cluster.EventsAsync(Ns)), e => e.InvolvedObject.Kind == "Pki" && e.InvolvedObject.Name == "bad" && e.Type == "Warning");
    }

    [Fact]
    public async Task PodTrigger_PodCreatedForInvalidPki_GetsWarningWithoutWaitingForRevalidation()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var cluster = new ClusterAssertions(server);
        await using var replica = await ControlPlaneReplica.StartAsync(server, new AllowedServiceNames("app1"));
        await cluster.CreatePkiAsync(Ns, "bad", "unknown");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(Ns, "bad"))?.Status == "False", "the invalid Pki is reported");

        await cluster.CreatePodAsync(Ns, "late-pod", "bad");

        await EventuallyAsync(
            async () => (await cluster.EventsAsync(Ns)).Any(e => e.InvolvedObject.Name == "late-pod" && e.Reason == "ServiceNameNotAllowed"),
            "the new pod gets its Warning within seconds (the revalidation interval is 5 minutes)");
    }

    [Fact]
    public async Task Owns_ProvisionedSecretDeleted_IsProvisionedAgain()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var cluster = new ClusterAssertions(server);
        await using var replica = await ControlPlaneReplica.StartAsync(server, new AllowedServiceNames("app1"));
        await cluster.CreatePkiAsync(Ns, "good", "app1");
        await EventuallyAsync(() => cluster.SecretExistsAsync(Ns, "good"), "the Secret is provisioned");

        await cluster.Client.CoreV1.DeleteNamespacedSecretAsync("good", Ns);

        await EventuallyAsync(() => cluster.SecretExistsAsync(Ns, "good"), "the deleted Secret is provisioned again");

        // The reconciler records a provisioning after its create call returns, so the Secret can be seen a moment earlier.
        await EventuallyAsync(() => Task.FromResult(replica.Provisioned.Count(p => p == $"{Ns}/good") >= 2), "the reconciler recorded both provisionings");
        Assert.Equal(2, replica.Provisioned.Count(p => p == $"{Ns}/good"));
    }

    [Fact]
    public async Task StatusWrite_SameGeneration_DoesNotTriggerAnotherReconcile()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var cluster = new ClusterAssertions(server);
        await using var replica = await ControlPlaneReplica.StartAsync(server, new AllowedServiceNames("app1"));
        await cluster.CreatePkiAsync(Ns, "good", "app1");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(Ns, "good"))?.Status == "True", "the Pki is Ready");

        // A later Pki is a marker: once it is Ready, the status write of the first has long been seen by the watch.
        await cluster.CreatePkiAsync(Ns, "marker", "app1");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(Ns, "marker"))?.Status == "True", "the marker is Ready");

        Assert.Equal(1, replica.Validated.Count(n => n == "good"));
        Assert.Equal(1, server.CountRequests("patch", "/pkis/good/status"));
    }

    [Fact]
    public async Task RequeueAll_AllowedNamesChange_RevalidatesAndFixesWithoutRestart()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var cluster = new ClusterAssertions(server);
        var allowed = new AllowedServiceNames("app1");
        await using var replica = await ControlPlaneReplica.StartAsync(server, allowed);
        await cluster.CreatePkiAsync(Ns, "later", "app2");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(Ns, "later"))?.Status == "False", "app2 is not allowed yet");

        allowed.Set("app1", "app2");
        replica.Controller.RequeueAll();

        await EventuallyAsync(() => cluster.SecretExistsAsync(Ns, "later"), "the now valid Pki gets its Secret");
        await EventuallyAsync(async () => (await cluster.ReadyConditionAsync(Ns, "later"))?.Status == "True", "and its Ready condition");
        await EventuallyAsync(
            async () => (await cluster.EventsAsync(Ns)).Any(e => e.InvolvedObject.Name == "later" && e.Type == "Normal" && e.Reason == "Valid"),
            "a Normal event says it is valid again");
    }
}
