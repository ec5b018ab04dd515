using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Reporting;
using ControlPlane;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.Reporting;

/// <summary>The condition writer against the cluster fixture; request counts only where the server is in-process.</summary>
public sealed class ResourceConditionWriterIntegrationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task SetConditionAsync_StaleCopyAfterAnotherWriterAddedACondition_KeepsBoth()
    {
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("cond");
        var stale = await client.CustomObjects.CreateNamespacedCustomObjectAsync<Pki>(
            new Pki { Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "appp1" } },
            "box.com", "v1", ns, "pkis");
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"conditions":[{"type":"Audited","status":"True","reason":"Checked","message":"by another controller","lastTransitionTime":"2026-11-25T00:00:00Z"}]}}""", V1Patch.PatchType.MergePatch),
            "box.com", "v1", ns, "pkis", "p");
        var writer = new ResourceConditionWriter(client);

        var written = await writer.SetConditionAsync(stale, new ResourceCondition("Ready", ConditionStatus.False, "InvalidServiceName", "bad"));

        var after = await client.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", "p");
        Assert.True(written);
        Assert.Equal(["Audited", "Ready"], after.Status!.Conditions!.Select(c => c.Type).Order());
        cluster.InProcess(server =>
        {
            Assert.Equal(0, server.CountRequests("get", $"/namespaces/{ns}/pkis/p/status"));
            Assert.Equal(1, server.CountRequests("list", $"/namespaces/{ns}/pkis"));
        });
    }

    [Fact]
    public async Task SetConditionAsync_ConflictAsTheControlPlanesServiceAccount_StaysWithinConfigYmlRbac()
    {
        // config.yml grants list/watch on pkis and patch on pkis/status, not get on pkis/status: the re-read after a
        // 409 must not need it (a real cluster denies it, which surfaced as a spurious ReconcileFailed Warning).
        var admin = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("cond-rbac");
        var stale = await admin.CustomObjects.CreateNamespacedCustomObjectAsync<Pki>(
            new Pki { Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "appp1" } },
            "box.com", "v1", ns, "pkis");
        await admin.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"conditions":[{"type":"Audited","status":"True","reason":"Checked","message":"by another controller","lastTransitionTime":"2026-11-25T00:00:00Z"}]}}""", V1Patch.PatchType.MergePatch),
            "box.com", "v1", ns, "pkis", "p");

        var written = await new ResourceConditionWriter(cluster.ControlPlaneClient).SetConditionAsync(stale, new ResourceCondition("Ready", ConditionStatus.False, "InvalidServiceName", "bad"));

        cluster.InProcess(server => ControlPlaneRbac.AssertNoDenials(server, [ns]));
        var after = await admin.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", "p");
        Assert.True(written);
        Assert.Equal(["Audited", "Ready"], after.Status!.Conditions!.Select(c => c.Type).Order());
    }

    [Fact]
    public async Task SetConditionAsync_FreshCopy_WritesOnceWithoutReading()
    {
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("cond");
        var fresh = await client.CustomObjects.CreateNamespacedCustomObjectAsync<Pki>(
            new Pki { Metadata = new V1ObjectMeta { Name = "q", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "app1" } },
            "box.com", "v1", ns, "pkis");
        cluster.InProcess(server => server.ClearRequests());

        await new ResourceConditionWriter(client).SetConditionAsync(fresh, new ResourceCondition("Ready", ConditionStatus.True, "Valid", "ok"));

        cluster.InProcess(server =>
        {
            Assert.Equal(1, server.CountRequests("patch", $"/namespaces/{ns}/pkis/q/status"));
            Assert.Equal(0, server.CountRequests("get", $"/namespaces/{ns}/pkis/q"));
        });
    }
}
