using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using k8s.Autorest;
using k8s.Models;
using static Box.K8sEventReporting.IntegrationTests.ApiServer.ApiServerTestHelpers;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// Resource types, paging, selectors and lifecycle rules through the real KubernetesClient, against the cluster fixture
/// (so a real cluster checks that the in-process server answers alike); each test in fresh namespaces.
/// </summary>
public sealed class InProcessApiServerResourceTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly IKubernetes client = cluster.Client;
    private string teamA = null!;
    private string teamB = null!;

    public async Task InitializeAsync()
    {
        teamA = await cluster.CreateNamespaceAsync("team-a");
        teamB = await cluster.CreateNamespaceAsync("team-b");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static V1Pod Pod(string name, string app) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox" }] },
    };

    [Fact]
    public async Task ReadNamespace_Any_CarriesTheMetadataNameLabel()
    {
        var ns = await client.CoreV1.ReadNamespaceAsync(teamA);

        Assert.Equal(teamA, ns.Metadata.Labels["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public async Task ListPods_LimitAndContinue_ReturnsEveryPodOnceAtOneVersion()
    {
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedPodAsync(Pod("p" + i, "a"), teamA);
        }

        var first = await client.CoreV1.ListNamespacedPodAsync(teamA, limit: 2);
        await client.CoreV1.CreateNamespacedPodAsync(Pod("p9", "a"), teamA);
        var second = await client.CoreV1.ListNamespacedPodAsync(teamA, limit: 2, continueParameter: first.Metadata.ContinueProperty);
        var third = await client.CoreV1.ListNamespacedPodAsync(teamA, limit: 2, continueParameter: second.Metadata.ContinueProperty);

        Assert.Equal(3, first.Metadata.RemainingItemCount);
        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], first.Items.Concat(second.Items).Concat(third.Items).Select(p => p.Metadata.Name));
        Assert.Equal(first.Metadata.ResourceVersion, third.Metadata.ResourceVersion);
        Assert.True(string.IsNullOrEmpty(third.Metadata.ContinueProperty));
    }

    [Fact]
    public async Task ListPods_SetBasedLabelSelectorAcrossNamespaces_FiltersPods()
    {
        await client.CoreV1.CreateNamespacedPodAsync(Pod("a1", "app1"), teamA);
        await client.CoreV1.CreateNamespacedPodAsync(Pod("b2", "app2"), teamB);
        await client.CoreV1.CreateNamespacedPodAsync(Pod("a3", "app3"), teamA);

        var list = await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: "app in (app1,app2)");
        var notIn = await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: "app notin (app1),!missing");

        // A real cluster has other pods: only ours count.
        string[] ours = [teamA, teamB];
        Assert.Equal(["a1", "b2"], list.Items.Where(p => ours.Contains(p.Metadata.NamespaceProperty)).Select(p => p.Metadata.Name).Order());
        Assert.Equal(["a3", "b2"], notIn.Items.Where(p => ours.Contains(p.Metadata.NamespaceProperty)).Select(p => p.Metadata.Name).Order());
    }

    [Fact]
    public async Task ListEvents_InvolvedObjectFieldSelector_FindsEventsOfOnePod()
    {
        foreach (var (name, pod) in new[] { ("e1", "app1"), ("e2", "app2") })
        {
            await client.CoreV1.CreateNamespacedEventAsync(
                new Corev1Event
                {
                    Metadata = new V1ObjectMeta { Name = name },
                    InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = pod, NamespaceProperty = teamA, Uid = pod + "-uid" },
                    Reason = "InvalidServiceName",
                    Message = "m",
                    Type = "Warning",
                    Count = 1,
                },
                teamA);
        }

        var events = await client.CoreV1.ListNamespacedEventAsync(teamA, fieldSelector: "involvedObject.name=app2,involvedObject.kind=Pod");
        var viaEventsV1 = await client.EventsV1.ListNamespacedEventAsync(teamA, fieldSelector: "regarding.uid=app1-uid");
        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedEventAsync(teamA, fieldSelector: "involvedObject.labels=x"));

        Assert.Equal(["e2"], events.Items.Select(e => e.Metadata.Name));
        Assert.Equal(["e1"], viaEventsV1.Items.Select(e => e.Metadata.Name));
        Assert.Equal("m", viaEventsV1.Items[0].Note);
        Assert.Equal(HttpStatusCode.BadRequest, bad.Response.StatusCode);
    }

    [Fact]
    public async Task CreateEventsV1Event_ThenPatchSeries_VisibleThroughCoreV1()
    {
        var created = await client.EventsV1.CreateNamespacedEventAsync(
            new Eventsv1Event
            {
                Metadata = new V1ObjectMeta { Name = "s1" },
                EventTime = new DateTime(2026, 11, 25, 16, 32, 57, DateTimeKind.Utc).AddTicks(4379100), // a MicroTime: six fractional digits
                ReportingController = "box.com/controlplane",
                ReportingInstance = "cp-1",
                Action = "Validate",
                Reason = "InvalidServiceName",
                Regarding = new V1ObjectReference { Kind = "Pod", Name = "app1", NamespaceProperty = teamA },
                Note = "note",
                Type = "Warning",
            },
            teamA);
        var patch = new V1Patch("""{"series":{"count":2,"lastObservedTime":"2026-11-25T16:33:27.437910Z"}}""", V1Patch.PatchType.MergePatch);
        await client.EventsV1.PatchNamespacedEventAsync(patch, "s1", teamA);

        var core = await client.CoreV1.ReadNamespacedEventAsync("s1", teamA);

        Assert.Equal("note", created.Note);
        Assert.Equal("note", core.Message);
        Assert.Equal("box.com/controlplane", core.ReportingComponent);
        Assert.Equal(2, core.Series.Count);
        Assert.Equal("app1", core.InvolvedObject.Name);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // installs a cluster-scoped CRD (widgets.example.com) that a shared cluster must not be given
    public async Task CustomResourceDefinition_ReadWhenMissingThenCreate_RegistersTypeForCustomObjects()
    {
        await using var server = await StartWithPkiAsync();
        using var client = server.CreateClient();
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.example.com"));
        var crd = new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "widgets.example.com" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "example.com",
                Scope = "Cluster",
                Names = new V1CustomResourceDefinitionNames { Kind = "Widget", Plural = "widgets", ListKind = "WidgetList", Singular = "widget" },
                Versions = [new V1CustomResourceDefinitionVersion { Name = "v1", Served = true, Storage = true, Schema = new V1CustomResourceValidation { OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true } } }],
            },
        };

        var created = await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        await client.CustomObjects.CreateClusterCustomObjectAsync(JsonSerializer.Deserialize<JsonElement>("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"anything":{"goes":1}}"""), "example.com", "v1", "widgets");
        var widget = (JsonElement)await client.CustomObjects.GetClusterCustomObjectAsync("example.com", "v1", "widgets", "w1");

        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains(created.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
        Assert.Equal(1, widget.GetProperty("anything").GetProperty("goes").GetInt32());
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // RegisterCustomResource is the in-process server's own API
    public async Task RegisterCustomResource_CalledTwice_ServesTypeOnce()
    {
        await using var server = await StartWithPkiAsync();
        using var client = server.CreateClient();
        server.RegisterCustomResource("example.org", "v1alpha1", "gadgets", "Gadget");
        server.RegisterCustomResource("example.org", "v1alpha1", "gadgets", "Gadget");

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonSerializer.Deserialize<JsonElement>("""{"apiVersion":"example.org/v1alpha1","kind":"Gadget","metadata":{"name":"g1"},"spec":{"x":1}}"""), "example.org", "v1alpha1", "team-a", "gadgets");
        var list = (JsonElement)await client.CustomObjects.ListCustomObjectForAllNamespacesAsync("example.org", "v1alpha1", "gadgets");

        Assert.Equal(1, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Leases_CreateRenewAndStaleUpdate_BehaveLikeLeaderElectionNeeds()
    {
        var lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "leader" }, Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 } }, teamA);
        var stale = lease.Metadata.ResourceVersion;
        lease.Spec.RenewTime = new DateTime(2026, 11, 25, 16, 34, 2, DateTimeKind.Utc).AddTicks(1234560); // a MicroTime: six fractional digits
        var renewed = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "leader", teamA);
        lease.Metadata.ResourceVersion = stale;
        lease.Spec.HolderIdentity = "b";

        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "leader", teamA));

        Assert.NotEqual(stale, renewed.Metadata.ResourceVersion);
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Equal("a", (await client.CoordinationV1.ReadNamespacedLeaseAsync("leader", teamA)).Spec.HolderIdentity);
    }

    [Fact]
    public async Task DeleteNamespace_WithObjects_RemovesItsObjects()
    {
        var temp = await cluster.CreateNamespaceAsync("temp");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("p1", "a"), temp);

        await client.CoreV1.DeleteNamespaceAsync(temp);
        await Wait.UntilAsync(async () => (await client.CoreV1.ListNamespaceAsync(fieldSelector: "metadata.name=" + temp)).Items.Count == 0, "the namespace controller removed the namespace", Patience);
        var pods = await client.CoreV1.ListNamespacedPodAsync(temp);
        var create = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(Pod("p2", "a"), temp));

        Assert.Empty(pods.Items);
        Assert.Equal(HttpStatusCode.NotFound, create.Response.StatusCode);
    }

    [Fact]
    public async Task DeleteObjectWithFinalizer_StaysUntilFinalizerRemoved()
    {
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "f1", Finalizers = ["example.com/hold"] } }, teamA);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("f1", teamA);
        var held = await client.CoreV1.ReadNamespacedConfigMapAsync("f1", teamA);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "f1", teamA);
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("f1", teamA));

        Assert.NotNull(held.Metadata.DeletionTimestamp);
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task DeleteOwner_OrphanOrBackground_KeepsOrCollectsDependents()
    {
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, teamA);
        var reference = new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid };
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "kept", OwnerReferences = [reference] } }, teamA);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", teamA, propagationPolicy: "Orphan");
        var owner2 = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner2" } }, teamA);
        reference = new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner2", Uid = owner2.Metadata.Uid };
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "collected", OwnerReferences = [reference] } }, teamA);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner2", teamA);
        await Wait.UntilAsync(async () => (await client.CoreV1.ListNamespacedSecretAsync(teamA, fieldSelector: "metadata.name=collected")).Items.Count == 0, "the collector deleted the dependent", Patience);
        await Wait.UntilAsync(async () => (await client.CoreV1.ReadNamespacedSecretAsync("kept", teamA)).Metadata.OwnerReferences is null, "the collector orphaned the dependent", Patience);
        var kept = await client.CoreV1.ReadNamespacedSecretAsync("kept", teamA);
        var collected = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedSecretAsync("collected", teamA));

        Assert.Null(kept.Metadata.OwnerReferences);
        Assert.Equal(HttpStatusCode.NotFound, collected.Response.StatusCode);
    }

    [Fact]
    public async Task PatchPod_StrategicMerge_MergesContainersByName()
    {
        var pod = Pod("p1", "a");
        pod.Spec.Containers.Add(new V1Container { Name = "side", Image = "old" });
        await client.CoreV1.CreateNamespacedPodAsync(pod, teamA);

        var patched = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"spec":{"containers":[{"name":"side","image":"new"}]}}""", V1Patch.PatchType.StrategicMergePatch), "p1", teamA);

        Assert.Equal([("app", "busybox"), ("side", "new")], patched.Spec.Containers.Select(c => (c.Name, c.Image)));
    }

    [Fact]
    public async Task Deployments_StoredWithGenerationBumpedOnSpecChange()
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "d1" },
            Spec = new V1DeploymentSpec { Replicas = 1, Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "d1" } }, Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "d1" } }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i" }] } } },
        };
        await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, teamA);

        var scaled = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"replicas":3}}""", V1Patch.PatchType.MergePatch), "d1", teamA);

        Assert.Equal(2, scaled.Metadata.Generation);
        Assert.Equal(3, scaled.Spec.Replicas);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // the in-process server's 501 for server-side apply; a real server applies it
    public async Task PatchSecret_ServerSideApply_Answers501WithClearMessage()
    {
        await using var server = await StartWithPkiAsync();
        using var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s1" } }, "team-a");

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"name":"s1"}}""", V1Patch.PatchType.ApplyPatch), "s1", "team-a", fieldManager: "me"));

        Assert.Equal(HttpStatusCode.NotImplemented, ex.Response.StatusCode);
        Assert.Contains("server-side apply", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatePki_WithoutNameOrWithGenerateName_422OrGeneratedName()
    {
        var http = cluster.Http;

        var (missingStatus, missing) = await SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{teamA}/pkis", """{"apiVersion":"box.com/v1","kind":"Pki","metadata":{},"spec":{"serviceName":"a"}}""");
        var (generatedStatus, generated) = await SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{teamA}/pkis", """{"apiVersion":"box.com/v1","kind":"Pki","metadata":{"generateName":"gen-"},"spec":{"serviceName":"a"}}""");

        Assert.Equal(422, missingStatus);
        Assert.Equal("metadata.name", missing["details"]!["causes"]![0]!["field"]!.GetValue<string>());
        Assert.Equal("Required value: name or generateName is required", missing["details"]!["causes"]![0]!["message"]!.GetValue<string>());
        Assert.Equal(201, generatedStatus);
        Assert.Matches("^gen-[a-z0-9]{5}$", generated["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Writes_RecordManagedFieldsPerManagerAndSubresource()
    {
        var http = cluster.Http;
        await SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{teamA}/pkis?fieldManager=transcripts", PkiJson(teamA, "app1-pki", "app1", """{"app":"app1"}"""));
        await SendJsonAsync(http, "PATCH", $"/apis/box.com/v1/namespaces/{teamA}/pkis/app1-pki/status?fieldManager=controlplane", """{"status":{"observedGeneration":1}}""", "application/merge-patch+json");

        var (_, pki) = await SendJsonAsync(http, "GET", $"/apis/box.com/v1/namespaces/{teamA}/pkis/app1-pki");

        var entries = pki["metadata"]!["managedFields"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Equal(2, entries.Count);
        var create = Assert.Single(entries, e => e["manager"]!.GetValue<string>() == "transcripts");
        var status = Assert.Single(entries, e => e["manager"]!.GetValue<string>() == "controlplane");
        Assert.Equal("""{".":{},"f:serviceName":{}}""", create["fieldsV1"]!["f:spec"]!.ToJsonString());
        Assert.Equal("status", status["subresource"]!.GetValue<string>());
        Assert.Null(status["fieldsV1"]!["f:spec"]);
        Assert.Equal(SortedLikeTheRealServer(entries), entries);
    }

    [Fact]
    public async Task CreateAndPatchPod_DryRun_AnswerTheResultAndStoreNothing()
    {
        var dry = await client.CoreV1.CreateNamespacedPodAsync(Pod("dry", "a"), teamA, dryRun: "All");
        var podsAfterCreate = await client.CoreV1.ListNamespacedPodAsync(teamA);
        await client.CoreV1.CreateNamespacedPodAsync(Pod("real", "a"), teamA);
        var patched = await client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"app":"b"}}}""", V1Patch.PatchType.MergePatch), "real", teamA, dryRun: "All");
        var stored = await client.CoreV1.ReadNamespacedPodAsync("real", teamA);

        Assert.False(string.IsNullOrEmpty(dry.Metadata.Uid));
        Assert.True(string.IsNullOrEmpty(dry.Metadata.ResourceVersion));
        Assert.Empty(podsAfterCreate.Items);
        Assert.Equal("b", patched.Metadata.Labels["app"]);
        Assert.Equal("a", stored.Metadata.Labels["app"]);
        Assert.Equal(stored.Metadata.ResourceVersion, patched.Metadata.ResourceVersion);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // the in-process server's 501 for sendInitialEvents
    public async Task Watch_SendInitialEvents_Answers501()
    {
        await using var server = await StartWithPkiAsync();
        using var client = server.CreateClient();
        using var http = CreateHttp(server);

        var (status, body) = await SendJsonAsync(http, "GET", "/api/v1/namespaces/team-a/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan");

        Assert.Equal(501, status);
        Assert.Contains("sendInitialEvents", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // AutoCreateNamespaces is an in-process setting
    public async Task CreatePod_InNamespaceThatDoesNotExistWithAutoCreate_CreatesNamespace()
    {
        await using var auto = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { AutoCreateNamespaces = true });
        using var autoClient = auto.CreateClient();

        await autoClient.CoreV1.CreateNamespacedPodAsync(Pod("p1", "a"), "fresh");
        var ns = await autoClient.CoreV1.ReadNamespaceAsync("fresh");

        Assert.Equal("Active", ns.Status.Phase);
    }

    [Fact]
    public async Task Writes_ByTwoManagersInOneSecond_ManagedFieldsSortedByOperationTimeAndManager()
    {
        var http = cluster.Http;
        await SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{teamA}/pkis?fieldManager=zz-first", PkiJson(teamA, "sorted", "app1"));
        await SendJsonAsync(http, "PATCH", $"/apis/box.com/v1/namespaces/{teamA}/pkis/sorted?fieldManager=aa-second", """{"metadata":{"labels":{"x":"y"}}}""", "application/merge-patch+json");

        var (_, pki) = await SendJsonAsync(http, "GET", $"/apis/box.com/v1/namespaces/{teamA}/pkis/sorted");

        // Transcript 21e: the server keeps managedFields sorted by operation, time (whole seconds), manager and
        // subresource, not in the order of the writes. Both writes usually land in one second, and then aa-second comes first.
        var entries = pki["metadata"]!["managedFields"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Equal(["aa-second", "zz-first"], entries.Select(e => e["manager"]!.GetValue<string>()).Order());
        Assert.Equal(SortedLikeTheRealServer(entries), entries);
    }

    [Fact]
    public async Task CreateDeployment_SelectorNotMatchingTemplateLabels_422AndNothingStored()
    {
        var http = cluster.Http;
        const string Body = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d2"},"spec":{"selector":{"matchLabels":{"app":"d2"}},"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}""";

        var (status, body) = await SendJsonAsync(http, "POST", $"/apis/apps/v1/namespaces/{teamA}/deployments", Body);
        var (missingStatus, _) = await SendJsonAsync(http, "GET", $"/apis/apps/v1/namespaces/{teamA}/deployments/d2");

        // Transcript 21c.
        Assert.Equal(422, status);
        var cause = Assert.Single(body["details"]!["causes"]!.AsArray());
        Assert.Equal("spec.template.metadata.labels", cause!["field"]!.GetValue<string>());
        Assert.Equal("Invalid value: map[string]string(nil): `selector` does not match template `labels`", cause["message"]!.GetValue<string>());
        Assert.Equal(404, missingStatus);
    }

    [Theory]
    [InlineData("coordination.k8s.io/v1", "leases", """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"whole"},"spec":{"holderIdentity":"a","renewTime":"2026-11-25T16:32:57Z"}}""", "Lease")]
    [InlineData("events.k8s.io/v1", "events", """{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"whole"},"eventTime":"2026-11-25T16:32:57Z","reportingController":"box.com/controlplane","reportingInstance":"cp-1","action":"Validate","reason":"InvalidServiceName","regarding":{"kind":"Pod","name":"app1"},"type":"Warning"}""", "Event")]
    public async Task Create_MicroTimeWithoutSixFractionalDigits_400CannotBeHandled(string groupVersion, string plural, string body, string kind)
    {
        var (status, answer) = await SendJsonAsync(cluster.Http, "POST", $"/apis/{groupVersion}/namespaces/{teamA}/{plural}", body);

        // Transcripts 21a and 21b: MicroTime fields are decoded with Go's layout 2006-01-02T15:04:05.000000Z07:00.
        Assert.Equal(400, status);
        Assert.Equal("BadRequest", answer["reason"]!.GetValue<string>());
        Assert.Equal(
            $"{kind} in version \"v1\" cannot be handled as a {kind}: parsing time \"2026-11-25T16:32:57Z\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"Z\" as \".000000\"",
            answer["message"]!.GetValue<string>());
    }

    /// <summary>The order the real server keeps managedFields in: operation, time (to the second), manager, subresource.</summary>
    private static List<JsonObject> SortedLikeTheRealServer(List<JsonObject> entries) =>
        [.. entries.OrderBy(e => e["operation"]!.GetValue<string>(), StringComparer.Ordinal)
            .ThenBy(e => DateTimeOffset.Parse(e["time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds())
            .ThenBy(e => e["manager"]!.GetValue<string>(), StringComparer.Ordinal)
            .ThenBy(e => e["subresource"]?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal)];
}
