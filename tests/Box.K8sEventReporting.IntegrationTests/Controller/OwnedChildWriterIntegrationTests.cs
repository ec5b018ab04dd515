using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.IntegrationTests.ApiServer;
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

    [Fact]
    public async Task EnsureAsync_OwnOpaqueSecretThatMustBecomeTls_IsReplacedByATlsSecret()
    {
        var ns = await cluster.CreateNamespaceAsync("replace");
        var owner = await CreatePkiAsync(ns, "app1-pki");
        var old = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(OpaqueControlledBy(owner), ns);
        var writer = new OwnedChildWriter<V1Secret>(cluster.Client, "controlplane");
        var requestsBefore = cluster.Server?.Requests.Count ?? 0;

        var tls = Tls(owner);
        var replaced = await writer.EnsureAsync(owner, tls);
        var again = await writer.EnsureAsync(owner, tls);
        var calls = Calls(ns, "app1-pki", requestsBefore);

        var secret = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("app1-pki", ns);
        Assert.Equal((OwnedChildOutcome.Replaced, OwnedChildOutcome.Unchanged), (replaced.Outcome, again.Outcome));
        Assert.Equal(ReconcileResult.Done, replaced.ToReconcileResult());
        Assert.Equal("kubernetes.io/tls", secret.Type);
        Assert.NotEqual(old.Metadata.Uid, secret.Metadata.Uid);
        Assert.Equal(replaced.Child!.Metadata.Uid, secret.Metadata.Uid);
        Assert.Equal(["tls.crt", "tls.key"], secret.Data.Keys.Order());
        Assert.Equal((owner.Metadata.Uid, true), (Assert.Single(secret.Metadata.OwnerReferences).Uid, secret.Metadata.OwnerReferences[0].Controller == true));
        Assert.Equal("controlplane", secret.Metadata.Labels[OwnedChildWriter<V1Secret>.ManagedByLabel]);
        cluster.InProcess(_ => Assert.Equal(
            [("get", 200, string.Empty), ("create", 409, "?dryRun=All"), ("delete", 200, string.Empty), ("create", 201, string.Empty), ("get", 200, string.Empty)],
            calls));
    }

    [Fact]
    public async Task EnsureAsync_ReplacementDecidedFromAStaleCopyOfAnObjectSomeoneElseNowOwns_DeletesNothing()
    {
        var ns = await cluster.CreateNamespaceAsync("replace");
        var owner = await CreatePkiAsync(ns, "app1-pki");
        var ours = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(OpaqueControlledBy(owner), ns);
        var stale = new Box.K8sEventReporting.Testing.FakeResourceCache<V1Secret>();
        stale.Upsert(ours);
        await cluster.Client.CoreV1.DeleteNamespacedSecretAsync("app1-pki", ns);
        var theirs = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "app1-pki" }, Type = "Opaque", Data = new Dictionary<string, byte[]> { ["token"] = "theirs"u8.ToArray() } }, ns);
        var requestsBefore = cluster.Server?.Requests.Count ?? 0;

        var result = await new OwnedChildWriter<V1Secret>(cluster.Client, "controlplane", stale).EnsureAsync(owner, Tls(owner));
        var calls = Calls(ns, "app1-pki", requestsBefore);

        var untouched = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("app1-pki", ns);
        Assert.Equal(OwnedChildOutcome.Conflict, result.Outcome);
        Assert.Equal((theirs.Metadata.Uid, theirs.Metadata.ResourceVersion), (untouched.Metadata.Uid, untouched.Metadata.ResourceVersion));
        Assert.Equal("theirs"u8.ToArray(), untouched.Data["token"]);
        cluster.InProcess(_ => Assert.Equal(
            [("create", 409, "?dryRun=All"), ("delete", 409, string.Empty), ("get", 200, string.Empty)],
            calls));
    }

    [Fact]
    public async Task EnsureAsync_ReplacementOfAnObjectChangedSinceItWasRead_ReadsItAgainAndReplacesTheNewVersion()
    {
        var ns = await cluster.CreateNamespaceAsync("replace");
        var owner = await CreatePkiAsync(ns, "app1-pki");
        var read = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(OpaqueControlledBy(owner), ns);
        var stale = new Box.K8sEventReporting.Testing.FakeResourceCache<V1Secret>();
        stale.Upsert(read);
        var changed = await cluster.Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"metadata":{"annotations":{"rotated":"yes"}}}""", V1Patch.PatchType.MergePatch), "app1-pki", ns);
        var requestsBefore = cluster.Server?.Requests.Count ?? 0;

        var result = await new OwnedChildWriter<V1Secret>(cluster.Client, "controlplane", stale).EnsureAsync(owner, Tls(owner));
        var calls = Calls(ns, "app1-pki", requestsBefore);

        var secret = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("app1-pki", ns);
        Assert.Equal(OwnedChildOutcome.Replaced, result.Outcome);
        Assert.NotEqual(changed.Metadata.Uid, secret.Metadata.Uid);
        Assert.Equal("kubernetes.io/tls", secret.Type);
        cluster.InProcess(_ => Assert.Equal(
            [("create", 409, "?dryRun=All"), ("delete", 409, string.Empty), ("get", 200, string.Empty), ("create", 409, "?dryRun=All"), ("delete", 200, string.Empty), ("create", 201, string.Empty)],
            calls));
    }

    [Fact]
    public async Task EnsureAsync_OwnImmutableConfigMapWhoseDataMustChange_IsReplaced()
    {
        var ns = await cluster.CreateNamespaceAsync("replace");
        var owner = await CreatePkiAsync(ns, "app1-pki");
        var writer = new OwnedChildWriter<V1ConfigMap>(cluster.Client, "controlplane");
        var first = await writer.EnsureAsync(owner, Settings("a"));

        var replaced = await writer.EnsureAsync(owner, Settings("b"));

        var settings = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns);
        Assert.Equal((OwnedChildOutcome.Created, OwnedChildOutcome.Replaced), (first.Outcome, replaced.Outcome));
        Assert.NotEqual(first.Child!.Metadata.Uid, settings.Metadata.Uid);
        Assert.Equal(("b", true), (settings.Data["mode"], settings.Immutable == true));
        Assert.Equal(owner.Metadata.Uid, Assert.Single(settings.Metadata.OwnerReferences).Uid);
    }

    [Fact]
    public async Task EnsureAsync_OwnChildNoReplacementCanFix_IsRefusedAndLeftAsItWas()
    {
        var ns = await cluster.CreateNamespaceAsync("refuse");
        var owner = await CreatePkiAsync(ns, "app1-pki");
        var writer = new OwnedChildWriter<V1Secret>(cluster.Client, "controlplane");
        var valid = (await writer.EnsureAsync(owner, Tls(owner))).Child!;
        var withoutKey = Tls(owner);
        withoutKey.Data.Remove("tls.key");
        var requestsBefore = cluster.Server?.Requests.Count ?? 0;

        var result = await writer.EnsureAsync(owner, withoutKey);
        var calls = Calls(ns, "app1-pki", requestsBefore);

        var secret = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("app1-pki", ns);
        var failure = Assert.Single(result.ToReconcileResult().Failures);
        Assert.Equal(OwnedChildOutcome.Refused, result.Outcome);
        Assert.Same(result.Refusal, failure);
        Assert.Equal(("SecretInvalid", "data[tls.key]"), (failure.Reason, failure.FieldPath));
        Assert.Equal(
            $"The API server refused to replace Secret {ns}/app1-pki (422 Invalid, field data[tls.key]): Secret \"app1-pki\" is invalid: data[tls.key]: Required value",
            failure.Message);
        Assert.Equal((valid.Metadata.Uid, valid.Metadata.ResourceVersion), (secret.Metadata.Uid, secret.Metadata.ResourceVersion));
        cluster.InProcess(_ => Assert.Equal(
            [("get", 200, string.Empty), ("update", 422, string.Empty), ("create", 422, "?dryRun=All")],
            calls));
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Makes the server refuse an update it would accept (ApiServerFaults).
    [Trait("Cluster", "InProcessOnly")] // A 422 no rule predicts, injected on the update (ApiServerFaults).
    public async Task EnsureAsync_UpdateOfAnOwnChildRefusedWith422_IsRetriedAsAReplacement()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var client = server.CreateClient();
        const string ns = "team-a";
        var owner = await client.CustomObjects.CreateNamespacedCustomObjectAsync<Pki>(
            new Pki { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "app1" } }, "box.com", "v1", ns, "pkis");
        var writer = new OwnedChildWriter<V1Secret>(client, "controlplane");
        var created = await writer.EnsureAsync(owner, Desired(owner));
        var changed = Desired(owner);
        changed.Data["serviceName"] = "app2"u8.ToArray();
        server.Faults.FailNext(1, $"/namespaces/{ns}/secrets/app1-pki", 422, verb: "update");

        var result = await writer.EnsureAsync(owner, changed);

        var secret = await client.CoreV1.ReadNamespacedSecretAsync("app1-pki", ns);
        Assert.Equal(OwnedChildOutcome.Replaced, result.Outcome);
        Assert.NotEqual(created.Child!.Metadata.Uid, secret.Metadata.Uid);
        Assert.Equal("app2"u8.ToArray(), secret.Data["serviceName"]);
    }

    [Fact]
    public async Task EnsureAsync_ReplacementWithoutDeleteRbac_IsRefusedNamingTheVerbAndLeavesTheChild()
    {
        var ns = await cluster.CreateNamespaceAsync("forbid");
        var owner = await CreatePkiAsync(ns, "app1-pki");
        var old = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(OpaqueControlledBy(owner), ns);
        using var limited = new Kubernetes(await ServiceAccountWithoutDeleteAsync(ns));

        var result = await new OwnedChildWriter<V1Secret>(limited, "controlplane").EnsureAsync(owner, Tls(owner));

        var secret = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("app1-pki", ns);
        Assert.Equal(OwnedChildOutcome.Refused, result.Outcome);
        Assert.Equal("SecretForbidden", result.Refusal!.Reason);
        Assert.StartsWith($"The API server refused to delete (to replace it) Secret {ns}/app1-pki (403 Forbidden): secrets \"app1-pki\" is forbidden: User \"system:serviceaccount:{ns}:writer\" cannot delete resource \"secrets\"", result.Refusal.Message, StringComparison.Ordinal);
        Assert.Equal((old.Metadata.Uid, old.Metadata.ResourceVersion, "Opaque"), (secret.Metadata.Uid, secret.Metadata.ResourceVersion, secret.Type));
    }

    /// <summary>A fixed child (the writer's behaviour does not depend on what it holds; the sample's holds fresh TLS material).</summary>
    private static V1Secret Desired(Pki owner) => new()
    {
        Metadata = new V1ObjectMeta { Name = owner.Metadata.Name },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { ["serviceName"] = System.Text.Encoding.UTF8.GetBytes(owner.Spec?.ServiceName ?? string.Empty) },
    };

    /// <summary>The Secret as an earlier controller version left it: Opaque, controlled by the Pki, labelled as ours.</summary>
    private static V1Secret OpaqueControlledBy(Pki owner) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = owner.Metadata.Name,
            Labels = new Dictionary<string, string> { [OwnedChildWriter<V1Secret>.ManagedByLabel] = "controlplane" },
            OwnerReferences = [new V1OwnerReference { ApiVersion = "box.com/v1", Kind = "Pki", Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, Controller = true, BlockOwnerDeletion = true }],
        },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { ["serviceName"] = "app1"u8.ToArray() },
    };

    /// <summary>A <c>kubernetes.io/tls</c> Secret with a real (self-signed) certificate and key, so a real server has nothing to warn about.</summary>
    private static V1Secret Tls(Pki owner)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + owner.Spec!.ServiceName, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        return new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = owner.Metadata.Name },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = Encoding.ASCII.GetBytes(certificate.ExportCertificatePem()),
                ["tls.key"] = Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()),
            },
        };
    }

    private static V1ConfigMap Settings(string mode) => new()
    {
        Metadata = new V1ObjectMeta { Name = "settings" },
        Immutable = true,
        Data = new Dictionary<string, string> { ["mode"] = mode },
    };

    /// <summary>The requests about one Secret since <paramref name="skip"/> (empty on a real cluster, which records none here).</summary>
    private (string Verb, int StatusCode, string Query)[] Calls(string ns, string name, int skip) =>
        cluster.Server?.Requests.Skip(skip)
            .Where(r => r.Path == $"/api/v1/namespaces/{ns}/secrets/{name}" || (r.Path == $"/api/v1/namespaces/{ns}/secrets" && r.Verb == "create"))
            .Select(r => (r.Verb, r.StatusCode, r.Query))
            .ToArray() ?? [];

    /// <summary>A service account of the test's namespace that may get, create and update Secrets there, but not delete them.</summary>
    private async Task<KubernetesClientConfiguration> ServiceAccountWithoutDeleteAsync(string ns)
    {
        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "writer" } }, ns);
        await cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role
            {
                Metadata = new V1ObjectMeta { Name = "writer" },
                Rules =
                [
                    new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], Verbs = ["get", "create", "update"] },
                    new V1PolicyRule { ApiGroups = ["box.com"], Resources = ["pkis/finalizers"], Verbs = ["update"] },   // blockOwnerDeletion
                ],
            },
            ns);
        await cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = "writer" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "writer" },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "writer", NamespaceProperty = ns }],
            },
            ns);
        var token = await cluster.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600 } }, "writer", ns);
        return new KubernetesClientConfiguration
        {
            Host = cluster.Configuration.Host,
            SslCaCerts = cluster.Configuration.SslCaCerts,
            SkipTlsVerify = cluster.Configuration.SkipTlsVerify,
            TlsServerName = cluster.Configuration.TlsServerName,
            AccessToken = token.Status.Token,
        };
    }

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
