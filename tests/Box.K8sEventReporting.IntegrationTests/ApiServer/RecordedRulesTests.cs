using System.Net;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using ControlPlane;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// The refusals the library's recorder, condition writer and leader election rely on, as recorded from a real server
/// (transcripts 07c, 10f, 10g, 13a, 16k, 16l), asserted through the cluster fixture so that a real cluster judges them.
/// </summary>
public sealed class RecordedRulesTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private IKubernetes Client => cluster.Client;

    [Fact]
    public async Task CreateLease_AlreadyExists_Answers409AlreadyExists()
    {
        var ns = await cluster.CreateNamespaceAsync("lease");
        var lease = new V1Lease { Metadata = new V1ObjectMeta { Name = "controlplane-leader" }, Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 } };
        await Client.CoordinationV1.CreateNamespacedLeaseAsync(lease, ns);

        var status = await RefusedAsync(() => Client.CoordinationV1.CreateNamespacedLeaseAsync(lease, ns), HttpStatusCode.Conflict);

        Assert.Equal(("AlreadyExists", "leases.coordination.k8s.io \"controlplane-leader\" already exists"), (status.Reason, status.Message));
    }

    [Fact]
    public async Task ReplaceLease_WithoutResourceVersion_Answers422MustBeSpecified()
    {
        var ns = await cluster.CreateNamespaceAsync("lease");
        var lease = await Client.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "controlplane-leader" }, Spec = new V1LeaseSpec { HolderIdentity = "a" } }, ns);
        lease.Metadata.ResourceVersion = null;

        var status = await RefusedAsync(() => Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "controlplane-leader", ns), HttpStatusCode.UnprocessableEntity);

        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal(("FieldValueInvalid", "metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update"), (cause.Reason, cause.Field, cause.Message));
    }

    [Fact]
    public async Task CreateEvent_InvolvedObjectInAnotherNamespaceWithoutEventTime_Answers422()
    {
        var ns = await cluster.CreateNamespaceAsync("ev");
        var other = await cluster.CreateNamespaceAsync("ev-other");
        var e = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "app1.18eb56e4cd66fdf2" },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "app1", NamespaceProperty = other },
            Reason = "InvalidServiceName",
            Message = "m",
            Type = "Warning",
        };

        var status = await RefusedAsync(() => Client.CoreV1.CreateNamespacedEventAsync(e, ns), HttpStatusCode.UnprocessableEntity);

        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal(("involvedObject.namespace", $"Invalid value: \"{other}\": does not match event.namespace"), (cause.Field, cause.Message));
    }

    [Fact]
    public async Task PatchEvent_Missing_Answers404NotFound()
    {
        var ns = await cluster.CreateNamespaceAsync("ev");

        var status = await RefusedAsync(
            () => Client.CoreV1.PatchNamespacedEventAsync(new V1Patch("""{"count":2}""", V1Patch.PatchType.StrategicMergePatch), "app1.does-not-exist", ns),
            HttpStatusCode.NotFound);

        Assert.Equal(("NotFound", "events \"app1.does-not-exist\" not found"), (status.Reason, status.Message));
    }

    [Fact]
    public async Task PatchPki_StrategicMerge_Answers415ListingTheAcceptedTypes()
    {
        var ns = await cluster.CreateNamespaceAsync("pki");
        await CreatePkiAsync(ns);

        var status = await RefusedAsync(
            () => Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"metadata":{"labels":{"a":"b"}}}""", V1Patch.PatchType.StrategicMergePatch), "box.com", "v1", ns, "pkis", "app1-pki"),
            HttpStatusCode.UnsupportedMediaType);

        Assert.Equal("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml", status.Message);
    }

    [Fact]
    public async Task MergePatchPki_StaleResourceVersion_Answers409Conflict()
    {
        var ns = await cluster.CreateNamespaceAsync("pki");
        var created = await CreatePkiAsync(ns);
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"metadata":{"labels":{"a":"b"}}}""", V1Patch.PatchType.MergePatch), "box.com", "v1", ns, "pkis", "app1-pki");

        var status = await RefusedAsync(
            () => Client.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch("{\"metadata\":{\"resourceVersion\":\"" + created.Metadata.ResourceVersion + "\",\"labels\":{\"a\":\"c\"}}}", V1Patch.PatchType.MergePatch), "box.com", "v1", ns, "pkis", "app1-pki"),
            HttpStatusCode.Conflict);

        Assert.Equal(("Conflict", "Operation cannot be fulfilled on pkis.box.com \"app1-pki\": the object has been modified; please apply your changes to the latest version and try again"), (status.Reason, status.Message));
    }

    private Task<Pki> CreatePkiAsync(string ns) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync<Pki>(
            new Pki { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "app1" } }, "box.com", "v1", ns, "pkis");

    private static async Task<V1Status> RefusedAsync(Func<Task> call, HttpStatusCode expected)
    {
        var refused = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.Equal(expected, refused.Response.StatusCode);
        return KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
    }
}
