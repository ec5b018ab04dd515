using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Watching;
using ControlPlane;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>The owned-child writer through the real client, against the cluster fixture (in-process or real).</summary>
[Collection(ClusterCollection.Name)]
public sealed class OwnedChildWriterIntegrationTests(ClusterFixture cluster)
{
    [Fact]
    public async Task EnsureAsync_AnotherTeamsSecretNotInTheCache_ReadsThatOneObjectAndLeavesItByteForByte()
    {
        var ns = await cluster.CreateNamespaceAsync("writer");
        byte[] password = [0x00, 0xff, 0x10, 0x80, 0x0a, (byte)'x'];
        var foreign = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "db-password" }, Data = new Dictionary<string, byte[]> { ["password"] = password } }, ns);
        var owner = await CreatePkiAsync(ns, "db-password");
        await using var secrets = await StartCacheAsync(ns);
        var writer = new OwnedChildWriter<V1Secret>(cluster.Client, "controlplane", secrets.Cache);
        var requestsBefore = cluster.Server?.Requests.Count ?? 0;

        var result = await writer.EnsureAsync(owner, Desired(owner));
        var requests = cluster.Server?.Requests.Skip(requestsBefore).ToArray() ?? [];

        var untouched = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("db-password", ns);
        Assert.Equal(OwnedChildOutcome.Conflict, result.Outcome);
        Assert.Equal("SecretConflict", result.ToReconcileResult().Failures[0].Reason);
        Assert.Null(secrets.Cache.Get(ns, "db-password"));
        Assert.Equal(foreign.Metadata.ResourceVersion, untouched.Metadata.ResourceVersion);
        Assert.Equal(password, Assert.Single(untouched.Data).Value);
        Assert.Null(untouched.Metadata.OwnerReferences);
        Assert.Null(untouched.Metadata.Labels);
        if (!cluster.IsRealCluster)
        {
            var calls = requests.Where(r => r.Path.StartsWith($"/api/v1/namespaces/{ns}/secrets", StringComparison.Ordinal));
            Assert.Equal(
                [("create", 409, $"/api/v1/namespaces/{ns}/secrets"), ("get", 200, $"/api/v1/namespaces/{ns}/secrets/db-password")],
                calls.Where(r => r.Verb != "watch").Select(r => (r.Verb, r.StatusCode, r.Path)));
        }
    }

    [Fact]
    public async Task EnsureAsync_OwnSecretChangedByHand_IsRestoredKeepingWhatOthersAdded()
    {
        var ns = await cluster.CreateNamespaceAsync("writer");
        var owner = await CreatePkiAsync(ns, "app-pki");
        var writer = new OwnedChildWriter<V1Secret>(cluster.Client, "controlplane");
        var created = await writer.EnsureAsync(owner, Desired(owner));
        await cluster.Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"metadata":{"labels":{"team":"a"}},"data":{"serviceName":"aGFja2Vk"}}""", V1Patch.PatchType.MergePatch), "app-pki", ns);

        var restored = await writer.EnsureAsync(owner, Desired(owner));
        var again = await writer.EnsureAsync(owner, Desired(owner));

        var secret = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("app-pki", ns);
        Assert.Equal(
            [OwnedChildOutcome.Created, OwnedChildOutcome.Updated, OwnedChildOutcome.Unchanged],
            new[] { created.Outcome, restored.Outcome, again.Outcome });
        Assert.Equal("app1"u8.ToArray(), secret.Data["serviceName"]);
        Assert.Equal("a", secret.Metadata.Labels["team"]);
        Assert.Equal("controlplane", secret.Metadata.Labels[OwnedChildWriter<V1Secret>.ManagedByLabel]);
        Assert.Equal(restored.Child!.Metadata.ResourceVersion, secret.Metadata.ResourceVersion);
        var reference = Assert.Single(secret.Metadata.OwnerReferences);
        Assert.Equal((owner.Metadata.Uid, true, "Pki"), (reference.Uid, reference.Controller == true, reference.Kind));
    }

    [Fact]
    public async Task EnsureAsync_OwnSecretTheCacheHasNotSeenYet_IsFoundAfterThe409WithoutASecondWrite()
    {
        var ns = await cluster.CreateNamespaceAsync("writer");
        var owner = await CreatePkiAsync(ns, "app-pki");
        await new OwnedChildWriter<V1Secret>(cluster.Client, "controlplane").EnsureAsync(owner, Desired(owner));
        var empty = new Box.K8sEventReporting.Testing.FakeResourceCache<V1Secret>();

        var result = await new OwnedChildWriter<V1Secret>(cluster.Client, "controlplane", empty).EnsureAsync(owner, Desired(owner));

        Assert.Equal(OwnedChildOutcome.Unchanged, result.Outcome);
        Assert.Equal(ReconcileResult.Done, result.ToReconcileResult());
    }

    /// <summary>A fixed child (the writer's behaviour does not depend on what it holds; the sample's holds fresh TLS material).</summary>
    private static V1Secret Desired(Pki owner) => new()
    {
        Metadata = new V1ObjectMeta { Name = owner.Metadata.Name },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { ["serviceName"] = System.Text.Encoding.UTF8.GetBytes(owner.Spec?.ServiceName ?? string.Empty) },
    };

    private async Task<CustomResourceWatcher<V1Secret>> StartCacheAsync(string ns)
    {
        var options = new CustomResourceWatcherOptions { LabelSelector = "app.kubernetes.io/managed-by=controlplane" };
        options.Namespaces.Add(ns);
        var watcher = new CustomResourceWatcher<V1Secret>(cluster.Client, options);
        await watcher.Cache.WaitForInitialSyncAsync().WaitAsync(Wait.DefaultTimeout);
        return watcher;
    }

    private async Task<Pki> CreatePkiAsync(string ns, string name) =>
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<Pki>(
            new Pki { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "app1" } }, "box.com", "v1", ns, "pkis");
}
