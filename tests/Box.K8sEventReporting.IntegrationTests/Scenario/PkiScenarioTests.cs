using System.Security.Cryptography.X509Certificates;
using System.Text;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Watching;
using ControlPlane;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.IntegrationTests.Scenario;

/// <summary>The seed's scenario, end to end: the ControlPlane sample's exact composition against the cluster fixture.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PkiScenarioTests(ClusterFixture cluster) : IDisposable
{
    
    // On a real cluster the deployment and replicaset controllers write Events on the same objects (ScalingReplicaSet, SuccessfulCreate).
    private const string OursOnly = "reportingComponent=controlplane";
    private readonly string _allowedNames = SampleControlPlane.WriteAllowedNames("app1\napp2\n");

    public void Dispose() => File.Delete(_allowedNames);

    [Fact]
    public async Task ControlPlane_TypoInApp1AndValidApp2_WarnsApp1PodOnlyAndProvisionsApp2()
    {
        var ns1 = await cluster.CreateNamespaceAsync("app1");
        var ns2 = await cluster.CreateNamespaceAsync("app2");
        var app1Pki = await CreatePkiAsync(ns1, "app1-pki", "appp1");
        var app2Pki = await CreatePkiAsync(ns2, "app2-pki", "app2");
        var app1Pod = await CreatePodAsync(ns1, "app1-7d9f8c6b5-x2x7z", Volume.Secret("app1-pki"));
        var bystander = await CreatePodAsync(ns1, "bystander", Volume.Secret("something-else"));
        var app2Pod = await CreatePodAsync(ns2, "app2-6c8b7d9f5-k4m2q", Volume.Projected("app2-pki"));

        using var host = await StartControlPlaneAsync(ns1, ns2);

        var warning = await Wait.ForValueAsync(
            async () => (await EventsAboutAsync(ns1, "Pod", app1Pod.Metadata.Name)).SingleOrDefault(), "the Warning on App1's pod");
        Assert.Equal("Warning", warning.Type);
        Assert.Equal("InvalidServiceName", warning.Reason);
        Assert.Equal($"ServiceName: appp1 in pki: {app1Pki.Metadata.Name} is not found in allowedNames: [app1 app2]", warning.Message);
        Assert.Equal("controlplane", warning.Source?.Component ?? warning.ReportingComponent);
        Assert.Equal("controlplane", warning.ReportingComponent);
        Assert.Equal(app1Pod.Metadata.Uid, warning.InvolvedObject.Uid);
        Assert.Equal(ns1, warning.Metadata.NamespaceProperty);

        var secret = await Wait.ForValueAsync(() => TryReadSecretAsync(ns2, "app2-pki"), "App2's Secret");
        Assert.Equal(app2Pki.Metadata.Uid, Assert.Single(secret.Metadata.OwnerReferences).Uid);
        Assert.Equal("kubernetes.io/tls", secret.Type);
        using (var certificate = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(secret.Data["tls.crt"])))
        {
            Assert.Equal("CN=app2", certificate.Subject);
        }
        await StopAsync(host);

        Assert.Empty(await EventsAboutAsync(ns2, "Pod", app2Pod.Metadata.Name));
        Assert.Empty(await EventsAboutAsync(ns1, "Pod", bystander.Metadata.Name));
        Assert.Null(await TryReadSecretAsync(ns1, "app1-pki"));
        cluster.InProcess(server =>
        {
            // The control plane's own client path: TLS with the kubeconfig's CA, HTTP/2 by ALPN (lists, watches, writes).
            var ours = server.Requests.Where(r => r.Path.Contains(ns1, StringComparison.Ordinal) || r.Path.EndsWith("/pkis", StringComparison.Ordinal)).ToList();
            Assert.Contains(ours, r => r.Verb == "watch");
            Assert.Contains(ours, r => r.Verb == "create" && r.Path.EndsWith("/events", StringComparison.Ordinal));
            Assert.All(ours, r => Assert.Equal("HTTP/2", r.Protocol));
        });
    }

    [Fact]
    public async Task ControlPlane_TypoFixed_ProvisionsTheSecretAndMarksReady()
    {
        var ns = await cluster.CreateNamespaceAsync("fix");
        await CreatePkiAsync(ns, "app1-pki", "appp1");
        var pod = await CreatePodAsync(ns, "app1-5f6d7c8b9-q8w2e", Volume.Secret("app1-pki"));
        using var host = await StartControlPlaneAsync(ns);
        await Wait.ForValueAsync(async () => (await EventsAboutAsync(ns, "Pod", pod.Metadata.Name)).FirstOrDefault(), "the Warning");

        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"spec\":{\"serviceName\":\"app1\"}}", V1Patch.PatchType.MergePatch), "box.com", "v1", ns, "pkis", "app1-pki");

        var secret = await Wait.ForValueAsync(() => TryReadSecretAsync(ns, "app1-pki"), "App1's Secret after the fix");
        using (var certificate = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(secret.Data["tls.crt"])))
        {
            Assert.Equal("CN=app1", certificate.Subject);
        }
        await Wait.UntilAsync(
            async () => (await ReadPkiAsync(ns, "app1-pki")).Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready")?.Status == "True",
            "the Ready condition turns True");
        await StopAsync(host);
    }

    [Fact]
    public async Task ControlPlane_ValidPki_OneStatusWriteCarriesReadyAndNotAfter()
    {
        var ns = await cluster.CreateNamespaceAsync("status");
        var pki = await CreatePkiAsync(ns, "app2-pki", "app2");
        using var host = await StartControlPlaneAsync(ns);

        // The status is written after the reconcile, in the background: wait for it, never assume it is there.
        var status = await Wait.ForValueAsync(
            async () => (await ReadPkiAsync(ns, "app2-pki")).Status is { NotAfter: not null, Conditions: { } conditions } s
                && conditions.Any(c => c.Type == "Ready") ? s : null,
            "the Pki's status with Ready and notAfter");
        await StopAsync(host);

        var ready = Assert.Single(status.Conditions!, c => c.Type == "Ready");
        Assert.Equal(("True", "Valid"), (ready.Status, ready.Reason));
        Assert.Equal(pki.Metadata.Generation, ready.ObservedGeneration);
        var secret = await TryReadSecretAsync(ns, "app2-pki");
        using (var certificate = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(secret!.Data["tls.crt"])))
        {
            Assert.Equal(new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), status.NotAfter);
        }

        cluster.InProcess(server =>
        {
            // Both in one merge patch, made once: no second write for notAfter, no 409 from writing over our own write.
            var statusWrites = server.Requests.Where(r => r.Path.EndsWith($"/namespaces/{ns}/pkis/app2-pki/status", StringComparison.Ordinal)).ToList();
            var write = Assert.Single(statusWrites);
            Assert.Equal(("patch", 200), (write.Verb, write.StatusCode));
        });
    }

    [Fact]
    public async Task ControlPlane_PkiWithoutSpec_ReportsOneClearEventAndKeepsRunning()
    {
        var ns = await cluster.CreateNamespaceAsync("nospec");
        using var host = await StartControlPlaneAsync(ns);
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Pki { Metadata = new V1ObjectMeta { Name = "broken-pki", NamespaceProperty = ns } }, "box.com", "v1", ns, "pkis");

        var missing = await Wait.ForValueAsync(
            async () => (await EventsAboutAsync(ns, "Pki", "broken-pki")).FirstOrDefault(), "the event on the Pki without spec");
        await CreatePkiAsync(ns, "good-pki", "app2");

        Assert.Equal("MissingServiceName", missing.Reason);
        Assert.Equal("pki: broken-pki has no spec; set spec.serviceName to one of allowedNames: [app1 app2]", missing.Message);
        await Wait.ForValueAsync(() => TryReadSecretAsync(ns, "good-pki"), "the Secret of a valid Pki created afterwards");
        await StopAsync(host);
    }

    [Fact]
    public async Task ControlPlane_InvalidPkiMountedByManyReplicas_ReportsOnTheDeploymentAndCapsPodEvents()
    {
        var ns = await cluster.CreateNamespaceAsync("fanout");
        await CreatePkiAsync(ns, "web-pki", "appp1");
        var deployment = $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: web, namespace: {{ns}} }
            spec:
              replicas: 25
              selector: { matchLabels: { app: web } }
              template:
                metadata: { labels: { app: web } }
                spec:
                  containers: [ { name: web, image: "busybox:1.36", command: [sleep, "3600"] } ]
                  volumes: [ { name: pki, secret: { secretName: web-pki } } ]
            """;
        // A real cluster's deployment and replicaset controllers make the pods; on the in-process server ApplyAsync does.
        await Box.K8sEventReporting.Testing.KubernetesManifests.ApplyAsync(cluster.Client, deployment, createPodsForWorkloads: !cluster.IsRealCluster);
        var pods = await Wait.ForValueAsync(
            async () => (await cluster.Client.CoreV1.ListNamespacedPodAsync(ns)).Items is { Count: >= 25 } all ? all : null,
            "the Deployment's 25 pods");
        await using var optIn = await ControlPlaneRbac.GrantOptInAsync(cluster.Client, ".ReportOnOwningDeployments()");
        using var host = await StartControlPlaneAsync(builder => builder.AddController<Pki>(pki => pki.ReportOnOwningDeployments()), ns);

        var onDeployment = await Wait.ForValueAsync(
            async () => (await EventsAboutAsync(ns, "Deployment", "web")).FirstOrDefault(),
            "the Warning on the Deployment");
        await StopAsync(host);

        var podEvents = (await cluster.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.kind=Pod," + OursOnly)).Items;
        Assert.Equal("InvalidServiceName", onDeployment.Reason);
        Assert.True(pods.Count >= 25, $"{pods.Count} pods");
        Assert.InRange(podEvents.Count, 1, 10 * Math.Max(1, pods.Count / 25));
        Assert.Empty(await EventsAboutAsync(ns, "ReplicaSet", pods[0].Metadata.OwnerReferences[0].Name));
    }

    [Fact]
    public async Task ControlPlane_PkiNamedLikeAnotherTeamsSecret_LeavesItUntouchedAndReportsSecretConflictUntilItIsGone()
    {
        var ns = await cluster.CreateNamespaceAsync("conflict");
        byte[] password = [0x00, 0xff, 0x10, (byte)'p', (byte)'w', 0x80, 0x0a];
        var foreign = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "db-password", NamespaceProperty = ns },
                Type = "Opaque",
                Data = new Dictionary<string, byte[]> { ["password"] = password },
            },
            ns);
        var pki = await CreatePkiAsync(ns, "db-password", "app1");
        var pod = await CreatePodAsync(ns, "app1-5f6d7c8b9-c0nfl", Volume.Secret("db-password"));
        using var host = await StartControlPlaneAsync(
            builder => builder.ConfigureControllers(o => o.RevalidationInterval = TimeSpan.FromSeconds(1)), ns);

        var onPod = await Wait.ForValueAsync(
            async () => (await EventsAboutAsync(ns, "Pod", pod.Metadata.Name)).FirstOrDefault(e => e.Reason == "SecretConflict"),
            "the SecretConflict Warning on the pod waiting for the Secret");
        var onPki = await Wait.ForValueAsync(
            async () => (await EventsAboutAsync(ns, "Pki", "db-password")).FirstOrDefault(e => e.Reason == "SecretConflict"),
            "the SecretConflict Warning on the Pki");
        var ready = await Wait.ForValueAsync(
            async () => (await ReadPkiAsync(ns, "db-password")).Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready" && c.Reason == "SecretConflict"),
            "Ready=False with reason SecretConflict");
        var untouched = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("db-password", ns);

        Assert.Equal(("Warning", "Warning", "False"), (onPod.Type, onPki.Type, ready.Status));
        Assert.Equal(onPki.Message, onPod.Message);
        Assert.Equal(
            $"Secret {ns}/db-password already exists and is controlled by no owner, not by Pki {ns}/db-password: it is left unchanged. Remove that Secret to let this Pki create its own.",
            ready.Message);
        Assert.Equal(foreign.Metadata.ResourceVersion, untouched.Metadata.ResourceVersion);
        Assert.Equal(password, untouched.Data["password"]);
        Assert.Equal(["password"], untouched.Data.Keys);
        Assert.Null(untouched.Metadata.OwnerReferences);
        Assert.Null(host.Services.GetRequiredService<ICustomResourceWatcher<V1Secret>>().Cache.Get(ns, "db-password"));
        cluster.InProcess(server => Assert.DoesNotContain(
            server.AuthorizationDecisions,
            d => d.User == ControlPlaneRbac.ServiceAccount.UserName && d.Namespace == ns && d.Resource == "secrets" && d.Verb is "update" or "delete"));

        await cluster.Client.CoreV1.DeleteNamespacedSecretAsync("db-password", ns);

        var provisioned = await Wait.ForValueAsync(
            async () => await TryReadSecretAsync(ns, "db-password") is { Metadata.OwnerReferences: [_] } s ? s : null,
            "the Pki's own Secret once the other one is gone (revalidated every second)");
        await Wait.UntilAsync(
            async () => (await ReadPkiAsync(ns, "db-password")).Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready")?.Status == "True",
            "the Ready condition turns True by itself");
        await StopAsync(host);
        Assert.Equal(pki.Metadata.Uid, provisioned.Metadata.OwnerReferences[0].Uid);
        using var certificate = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(provisioned.Data["tls.crt"]));
        Assert.Equal("CN=app1", certificate.Subject);
    }

    [Fact]
    public async Task ControlPlane_OpaqueSecretAnEarlierVersionLeft_BecomesTlsInTheFirstReconcile()
    {
        var ns = await cluster.CreateNamespaceAsync("upgrade");
        var pki = await CreatePkiAsync(ns, "app1-pki", "app1");
        var opaque = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(SecretControlledBy(pki, "app1-pki", "app1", blockOwnerDeletion: true, type: "Opaque"), ns);
        await CreatePodAsync(ns, "app1-7d9f8c6b5-up9rd", Volume.Secret("app1-pki"));

        using var host = await StartControlPlaneAsync(ns);

        var tls = await Wait.ForValueAsync(async () => await TryReadSecretAsync(ns, "app1-pki") is { Type: "kubernetes.io/tls" } s ? s : null, "the TLS Secret in place of the Opaque one");
        var ready = await Wait.ForValueAsync(
            async () => (await ReadPkiAsync(ns, "app1-pki")).Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready" && c.Status == "True"), "the Pki Ready");
        var events = await EventsAboutAsync(ns, "Pki", "app1-pki");
        await StopAsync(host);

        Assert.NotEqual(opaque.Metadata.Uid, tls.Metadata.Uid);
        Assert.Equal(pki.Metadata.Uid, Assert.Single(tls.Metadata.OwnerReferences).Uid);
        using (var certificate = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(tls.Data["tls.crt"])))
        {
            Assert.Equal("CN=app1", certificate.Subject);
        }

        // The first reconcile replaced it: no failed reconcile, no Warning, no retry.
        Assert.Equal("Valid", ready.Reason);
        Assert.DoesNotContain(events, e => e.Type == "Warning");
        cluster.InProcess(server =>
        {
            // Known from the API's rules: no update is tried first; one dry run, one delete with preconditions, one create.
            var secrets = server.Requests.Where(r => r.Path.StartsWith($"/api/v1/namespaces/{ns}/secrets", StringComparison.Ordinal)).ToArray();
            Assert.Equal(1, secrets.Count(r => r.Verb == "create" && r.Query == "?dryRun=All"));
            Assert.Equal([("delete", 200)], secrets.Where(r => r.Path.EndsWith("/secrets/app1-pki", StringComparison.Ordinal)).Select(r => (r.Verb, r.StatusCode)));
            Assert.DoesNotContain(secrets, r => r.Verb == "update");
        });
    }

    [Fact]
    public async Task ControlPlane_PkiNamedLikeASecretAnotherOwnerControls_LeavesItUntouched()
    {
        var ns = await cluster.CreateNamespaceAsync("owned");
        var other = await CreatePkiAsync(ns, "other-pki", "app2");
        var foreign = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(SecretControlledBy(other, "shared", "app2"), ns);
        await CreatePkiAsync(ns, "shared", "app1");
        using var host = await StartControlPlaneAsync(ns);

        var ready = await Wait.ForValueAsync(
            async () => (await ReadPkiAsync(ns, "shared")).Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready" && c.Reason == "SecretConflict"),
            "Ready=False with reason SecretConflict");
        await StopAsync(host);
        var untouched = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("shared", ns);

        Assert.Contains($"is controlled by Pki other-pki (uid {other.Metadata.Uid})", ready.Message, StringComparison.Ordinal);
        Assert.Equal(foreign.Metadata.ResourceVersion, untouched.Metadata.ResourceVersion);
        Assert.Equal(other.Metadata.Uid, Assert.Single(untouched.Metadata.OwnerReferences).Uid);
        Assert.Equal("app2", Encoding.UTF8.GetString(untouched.Data["serviceName"]));
    }

    [Fact]
    public async Task ControlPlane_OtherTeamsSecrets_AreNeverListedWatchedOrCached()
    {
        var ns = await cluster.CreateNamespaceAsync("foreign");
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "team-credentials", NamespaceProperty = ns }, Data = new Dictionary<string, byte[]> { ["token"] = "s3cr3t"u8.ToArray() } },
            ns);
        await CreatePkiAsync(ns, "app2-pki", "app2");
        using var host = await StartControlPlaneAsync(ns);
        var cache = host.Services.GetRequiredService<ICustomResourceWatcher<V1Secret>>().Cache;

        await Wait.UntilAsync(() => cache.Get(ns, "app2-pki") is not null, "the control plane's own Secret is in its cache");
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "created-later", NamespaceProperty = ns }, Data = new Dictionary<string, byte[]> { ["token"] = "x"u8.ToArray() } },
            ns);
        await cluster.Client.CoreV1.DeleteNamespacedSecretAsync("app2-pki", ns);
        await Wait.ForValueAsync(() => TryReadSecretAsync(ns, "app2-pki"), "the deleted own Secret is provisioned again (the watch still works)");
        await Wait.UntilAsync(() => cache.Get(ns, "app2-pki") is not null, "the watch brings the new Secret into the cache");
        await StopAsync(host);

        Assert.Equal(["app2-pki"], cache.List(ns).Select(s => s.Metadata.Name));
        Assert.All(cache.List(ns), s => Assert.Equal("controlplane", s.Metadata.Labels["app.kubernetes.io/managed-by"]));
        if (cluster.Server is { } server)
        {
            // Every Secret list and watch but this test's own reads by name (TryReadSecretAsync).
            var secretReads = server.Requests
                .Where(r => r.Path == $"/api/v1/namespaces/{ns}/secrets" && r.Verb is "list" or "watch" && !r.Query.Contains("fieldSelector=metadata.name", StringComparison.Ordinal))
                .ToArray();
            Assert.Contains(secretReads, r => r.Verb == "list");
            Assert.Contains(secretReads, r => r.Verb == "watch");
            Assert.All(secretReads, r => Assert.Contains("labelSelector=app.kubernetes.io%2Fmanaged-by%3Dcontrolplane", r.Query, StringComparison.Ordinal));
            // No Secret read by name either, but the control plane's own CA (kept in this test's namespace, SampleControlPlane).
            Assert.DoesNotContain(server.Requests, r => r.Path.StartsWith($"/api/v1/namespaces/{ns}/secrets/", StringComparison.Ordinal) && r.Verb == "get"
                && r.Path != $"/api/v1/namespaces/{ns}/secrets/{new Box.K8sEventReporting.Certificates.CertificateOptions().SecretName}");
        }
    }

    [Fact]
    public void ControlPlane_MissingAllowedNamesFile_FailsStartWithOneLineNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}");
        using var host = BuildControlPlane(path, "default");

        // The options' own start-up validator (registered first); the library's check turns this into the one logged line.
        var ex = Assert.Throws<OptionsValidationException>(() => host.Services.GetServices<IStartupValidator>().First().Validate());

        Assert.Equal(
            $"AllowedNames file '{path}' does not exist: it must be a file that lists the allowed service names, one per line (set ControlPlane:AllowedNamesPath).",
            Assert.Single(ex.Failures));
    }

    private Task<IHost> StartControlPlaneAsync(params string[] namespaces) => StartControlPlaneAsync(null, namespaces);

    private async Task<IHost> StartControlPlaneAsync(Action<K8sEventReportingBuilder>? extend, params string[] namespaces)
    {
        var host = BuildControlPlane(_allowedNames, extend, namespaces);
        await host.StartAsync();
        return host;
    }

    private IHost BuildControlPlane(string allowedNamesPath, params string[] namespaces) => BuildControlPlane(allowedNamesPath, null, namespaces);

    private IHost BuildControlPlane(string allowedNamesPath, Action<K8sEventReportingBuilder>? extend, params string[] namespaces) =>
        SampleControlPlane.Build(cluster.ControlPlaneClient, allowedNamesPath, extend, null, namespaces);

    private async Task StopAsync(IHost host)
    {
        await SampleControlPlane.StopAsync(host);
        ControlPlaneRbac.AssertNoDenials(cluster.Server);
    }

    private async Task<Pki> CreatePkiAsync(string ns, string name, string serviceName) =>
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<Pki>(
            new Pki { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = serviceName } },
            "box.com",
            "v1",
            ns,
            "pkis");

    private async Task<Pki> ReadPkiAsync(string ns, string name) =>
        await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", name);

    private Task<V1Pod> CreatePodAsync(string ns, string name, V1Volume volume) =>
        cluster.Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = name.Split('-')[0] } },
                Spec = new V1PodSpec
                {
                    Containers = [new V1Container { Name = "app", Image = "busybox:1.36", Command = ["sleep", "3600"], VolumeMounts = [new V1VolumeMount { Name = volume.Name, MountPath = "/etc/pki" }] }],
                    Volumes = [volume],
                },
            },
            ns);

    private async Task<IReadOnlyList<Corev1Event>> EventsAboutAsync(string ns, string kind, string name) =>
        (await cluster.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.kind={kind},involvedObject.name={name},{OursOnly}")).Items.ToArray();

    private async Task<V1Secret?> TryReadSecretAsync(string ns, string name) =>
        (await cluster.Client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: $"metadata.name={name}")).Items.SingleOrDefault();

    private static class Volume
    {
        public static V1Volume Secret(string secretName) => new() { Name = "pki", Secret = new V1SecretVolumeSource { SecretName = secretName } };

        public static V1Volume Projected(string secretName) => new()
        {
            Name = "pki",
            Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { Secret = new V1SecretProjection { Name = secretName } }] },
        };
    }

    /// <summary>A Secret labelled as ours and controlled by <paramref name="owner"/>, as an earlier control plane left it.</summary>
    private static V1Secret SecretControlledBy(Pki owner, string name, string serviceName, bool blockOwnerDeletion = false, string? type = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = owner.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "controlplane" },
            OwnerReferences = [new V1OwnerReference { ApiVersion = "box.com/v1", Kind = "Pki", Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, Controller = true, BlockOwnerDeletion = blockOwnerDeletion ? true : null }],
        },
        Type = type,
        Data = new Dictionary<string, byte[]> { ["serviceName"] = System.Text.Encoding.UTF8.GetBytes(serviceName) },
    };
}
