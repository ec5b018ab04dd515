using System.Net;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// Deletion as a real cluster does it (recorded in <c>ApiServer/Recorded</c>): the garbage collector and the namespace
/// controller act after the DELETE, not inside it. Runs against the cluster fixture, so a real cluster judges the
/// in-process server's answers.
/// </summary>
public sealed class ClusterLifecycleTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string HoldFinalizer = "box.com/test-hold";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DeleteOwner_Background_AnswersStatusAndTheCollectorRemovesTheDependentAfterwards()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-bg");
        var owner = await CreateOwnerAsync(ns, "owner");
        await CreateDependentAsync(ns, "owned", owner, finalizer: false);

        var status = await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns);

        Assert.Equal("Success", status.Status);
        await Wait.UntilAsync(async () => await TryReadAsync(ns, "owned") is null, "the collector deleted the dependent (15e, 15f)", Patience);
    }

    [Fact]
    public async Task DeleteOwner_Foreground_OwnerHeldWithFinalizerUntilItsBlockingDependentIsGone()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-fg");
        var owner = await CreateOwnerAsync(ns, "owner");
        await CreateDependentAsync(ns, "owned", owner, finalizer: true);

        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Foreground");
        var marked = (await TryReadAsync(ns, "owner"))!;
        await Wait.UntilAsync(async () => (await TryReadAsync(ns, "owned"))?.Metadata.DeletionTimestamp is not null, "the collector deleting the dependent", Patience);
        var held = await TryReadAsync(ns, "owner");
        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "owned", ns);

        Assert.Equal(["foregroundDeletion"], marked.Metadata.Finalizers);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.NotNull(held);
        Assert.Contains("foregroundDeletion", held.Metadata.Finalizers);
        await Wait.UntilAsync(async () => await TryReadAsync(ns, "owner") is null, "the owner went once its dependent was gone (15g, 15h)", Patience);
    }

    [Fact]
    public async Task DeleteOwner_Orphan_DependentKeptWithoutTheOwnerReference()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-or");
        var owner = await CreateOwnerAsync(ns, "owner");
        await CreateDependentAsync(ns, "owned", owner, finalizer: false);

        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Orphan");
        await Wait.UntilAsync(async () => await TryReadAsync(ns, "owner") is null, "the orphaning owner is gone", Patience);
        var kept = await TryReadAsync(ns, "owned");

        Assert.NotNull(kept);
        Assert.DoesNotContain(kept.Metadata.OwnerReferences ?? [], r => r.Uid == owner.Metadata.Uid);
    }

    [Fact]
    public async Task DeleteNamespace_WithHeldObject_TerminatingRefusesCreatesAndGoesOnceEmpty()
    {
        var ns = await cluster.CreateNamespaceAsync("term");
        await CreateDependentAsync(ns, "held", owner: null, finalizer: true);

        await cluster.Client.CoreV1.DeleteNamespaceAsync(ns);
        var terminating = await cluster.Client.CoreV1.ReadNamespaceAsync(ns);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod { Metadata = new V1ObjectMeta { Name = "late" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox:1.36" }] } },
            ns));
        await Wait.UntilAsync(async () => (await TryReadAsync(ns, "held"))?.Metadata.DeletionTimestamp is not null, "the namespace controller deleting its contents", Patience);
        var stillTerminating = await cluster.Client.CoreV1.ReadNamespaceAsync(ns);
        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "held", ns);

        Assert.Equal("Terminating", terminating.Status.Phase);
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.Equal("Terminating", stillTerminating.Status.Phase);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
        Assert.Equal("Forbidden", status.Reason);
        Assert.Equal($"pods \"late\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", status.Message);
        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal(("NamespaceTerminating", $"namespace {ns} is being terminated", "metadata.namespace"), (cause.Reason, cause.Message, cause.Field));
        await Wait.UntilAsync(
            async () =>
            {
                try
                {
                    await cluster.Client.CoreV1.ReadNamespaceAsync(ns);
                    return false;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    return true;
                }
            },
            "the emptied namespace is gone",
            Patience);
    }

    [Fact]
    public async Task DeleteOwner_Foreground_NonBlockingDependentDoesNotHoldTheOwner()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-nb");
        var owner = await CreateOwnerAsync(ns, "owner");
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "loose",
                    Finalizers = [HoldFinalizer],
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid }],
                },
            },
            ns);

        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Foreground");

        await Wait.UntilAsync(async () => await TryReadAsync(ns, "owner") is null, "the owner went without waiting for a dependent that does not block it", Patience);
        await Wait.UntilAsync(async () => (await TryReadAsync(ns, "loose"))?.Metadata.DeletionTimestamp is not null, "the dependent is being deleted too", Patience);
        await ReleaseAsync(ns, "loose");
    }

    [Fact]
    public async Task DeleteOwner_DependentWithAnotherLiveOwner_KeptWithoutTheDeletedOwnersReference()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-two");
        var gone = await CreateOwnerAsync(ns, "gone");
        var stays = await CreateOwnerAsync(ns, "stays");
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "shared",
                    OwnerReferences =
                    [
                        new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "gone", Uid = gone.Metadata.Uid },
                        new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "stays", Uid = stays.Metadata.Uid },
                    ],
                },
            },
            ns);

        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("gone", ns);

        await Wait.UntilAsync(async () => (await TryReadAsync(ns, "shared"))?.Metadata.OwnerReferences?.Count == 1, "the collector removed the dangling reference", Patience);
        var shared = await TryReadAsync(ns, "shared");
        Assert.Equal(stays.Metadata.Uid, Assert.Single(shared!.Metadata.OwnerReferences).Uid);
    }

    [Fact]
    public async Task DeleteNamespace_WhileTerminating_SecondDeleteAnswersItUnchangedAndUpdatesStillWork()
    {
        var ns = await cluster.CreateNamespaceAsync("term2");
        await CreateDependentAsync(ns, "held", owner: null, finalizer: true);
        var (_, first) = await ApiServerTestHelpers.SendJsonAsync(cluster.Http, "DELETE", $"/api/v1/namespaces/{ns}");

        // Transcripts 21h–21j: the second DELETE is answered 200 with the terminating namespace, and nothing changes.
        var (againStatus, again) = await ApiServerTestHelpers.SendJsonAsync(cluster.Http, "DELETE", $"/api/v1/namespaces/{ns}");
        var updated = await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"still":"writable"}}}""", V1Patch.PatchType.MergePatch), "held", ns);
        await ReleaseAsync(ns, "held");

        Assert.Equal(200, againStatus);
        Assert.Equal("Terminating", again["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(first["metadata"]!["deletionTimestamp"]!.GetValue<string>(), again["metadata"]!["deletionTimestamp"]!.GetValue<string>());
        Assert.Equal("writable", updated.Metadata.Labels["still"]);
    }

    [Fact]
    public async Task CreateCustomResource_InTerminatingNamespace_ForbiddenNamingTheQualifiedResource()
    {
        var ns = await cluster.CreateNamespaceAsync("term3");
        await CreateDependentAsync(ns, "held", owner: null, finalizer: true);
        await cluster.Client.CoreV1.DeleteNamespaceAsync(ns);

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new ControlPlane.Pki { Metadata = new V1ObjectMeta { Name = "late", NamespaceProperty = ns }, Spec = new ControlPlane.PkiSpec { ServiceName = "app1" } },
            "box.com",
            "v1",
            ns,
            "pkis"));
        await ReleaseAsync(ns, "held");

        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
        Assert.Equal($"pkis.box.com \"late\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", status.Message);
        Assert.Equal(("box.com", "pkis"), (status.Details.Group, status.Details.Kind));
        Assert.Equal("NamespaceTerminating", Assert.Single(status.Details.Causes).Reason);
    }

    [Fact]
    public async Task CreatePod_InMissingNamespace_NotFoundNamingTheNamespace()
    {
        var missing = $"t-missing-{Guid.NewGuid():N}"[..20];

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, missing));

        Assert.Equal(HttpStatusCode.NotFound, refused.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
        Assert.Equal(($"namespaces \"{missing}\" not found", "NotFound", "namespaces"), (status.Message, status.Reason, status.Details.Kind));
    }

    private Task<V1ConfigMap> ReleaseAsync(string ns, string name) =>
        cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), name, ns);

    private Task<V1ConfigMap> CreateOwnerAsync(string ns, string name) =>
        cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, ns);

    private Task<V1ConfigMap> CreateDependentAsync(string ns, string name, V1ConfigMap? owner, bool finalizer) =>
        cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    Finalizers = finalizer ? [HoldFinalizer] : null,
                    OwnerReferences = owner is null
                        ? null
                        : [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, BlockOwnerDeletion = true }],
                },
            },
            ns);

    private async Task<V1ConfigMap?> TryReadAsync(string ns, string name)
    {
        try
        {
            return await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
