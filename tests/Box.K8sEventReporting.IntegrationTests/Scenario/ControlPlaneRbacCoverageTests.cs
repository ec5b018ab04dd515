using System.Text;
using Xunit.Abstractions;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Testing.ApiServer;
using ControlPlane;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Box.K8sEventReporting.IntegrationTests.Scenario;

/// <summary>
/// Least privilege, proven: the sample's whole lifecycle runs as the control plane's own service account against the
/// RBAC in samples/ControlPlane/config.yml, and what it used must equal what config.yml grants (no call denied, no
/// rule unused). The lifecycle starts as an upgrade: a Secret an earlier version left Opaque is replaced. The granted
/// set is read from config.yml, so changing a rule there is all this test needs.
/// </summary>
public sealed class ControlPlaneRbacCoverageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rbac-coverage-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WholeLifecycle_AsTheControlPlanesServiceAccount_UsesExactlyWhatConfigYmlGrants()
    {
        await using var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { EnforceRbac = true });
        using var admin = server.CreateClient();
        await admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(ClusterFixture.ManifestPath(Path.Combine("crds", "pkis.box.com.yaml")))));
        await ControlPlaneRbac.ApplyAsync(admin);
        await admin.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(KubernetesYaml.LoadAllFromString(ControlPlaneRbac.ConfigYaml).OfType<V1ValidatingWebhookConfiguration>().Single());
        foreach (var app in new[] { "App1", "App2" })
        {
            await KubernetesManifests.ApplyAsync(admin, await File.ReadAllTextAsync(ClusterFixture.ManifestPath(app + "-config.yml")), [typeof(Pki)]);
        }

        // An upgrade: App2's Secret as an earlier version wrote it (Opaque, controlled by the Pki). Its type is immutable,
        // so the control plane replaces it (a dry-run create, a delete with preconditions, a create).
        var app2 = await admin.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", "app2", "pkis", "app2-pki");
        var opaque = await admin.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "app2-pki",
                    Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "controlplane" },
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "box.com/v1", Kind = "Pki", Name = "app2-pki", Uid = app2.Metadata.Uid, Controller = true, BlockOwnerDeletion = true }],
                },
                Type = "Opaque",
                Data = new Dictionary<string, byte[]> { ["serviceName"] = "app2"u8.ToArray() },
            },
            "app2");

        var allowedNames = Path.Combine(_directory, "allowedNames");
        await File.WriteAllTextAsync(allowedNames, "app1\napp2\n");
        var app1Pod = (await admin.CoreV1.ListNamespacedPodAsync("app1")).Items.First().Metadata.Name;

        // Leader A: the invalid App1 is reported on its pod, App2 is provisioned.
        var a = await StartReplicaAsync(server, allowedNames, "replica-a");
        await Wait.UntilAsync(() => a.Services.GetRequiredService<IControllerHealth>().Check().IsLeader, "replica-a leads");
        var ca = (await a.Services.GetRequiredService<Box.K8sEventReporting.Certificates.ICertificateIssuer>().GetAuthorityAsync()).CertificatePem;
        await Wait.UntilAsync(
            async () => (await admin.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("box-controlplane")).Webhooks.All(w => w.ClientConfig.CaBundle is { } b && Encoding.UTF8.GetString(b) == ca),
            "the admission webhook's CA bundle written into the ValidatingWebhookConfiguration");
        await Wait.UntilAsync(async () => await SecretAsync(admin, "app2", "app2-pki") is { Type: "kubernetes.io/tls" } s && s.Metadata.Uid != opaque.Metadata.Uid, "App2's Opaque Secret replaced by a TLS one");
        await Wait.UntilAsync(async () => await ReadyAsync(admin, "app2", "app2-pki") == "True", "App2 Ready");
        await Wait.UntilAsync(async () => await WarningCountAsync(admin, "app1", app1Pod) > 0, "the Warning on App1's pod");
        var b = await StartReplicaAsync(server, allowedNames, "replica-b");
        await Wait.UntilAsync(() => b.Services.GetRequiredService<IControllerHealth>().Check().IsReady, "replica-b is a ready standby");

        // The fix: App1's Secret is created, and its Ready condition written despite a conflict (another writer got
        // there first: the Pki is re-read, within the granted rules). A valid Pki whose serviceName changes gets its
        // Secret updated.
        server.Faults.FailNext(1, "/pkis/app1-pki/status", 409, verb: "patch");
        await PatchServiceNameAsync(admin, "app1", "app1-pki", "app1");
        await Wait.UntilAsync(async () => await SecretAsync(admin, "app1", "app1-pki") is not null, "App1's Secret after the fix");
        await Wait.UntilAsync(async () => await ReadyAsync(admin, "app1", "app1-pki") == "True", "App1 Ready after a conflicting status write");
        Assert.Contains(server.Requests, r => r.Verb == "list" && r.Path.EndsWith("/app1/pkis", StringComparison.Ordinal) && r.Query.Contains("metadata.name", StringComparison.Ordinal));
        await PatchServiceNameAsync(admin, "app2", "app2-pki", "app1");
        await Wait.UntilAsync(async () => ServiceName(await SecretAsync(admin, "app2", "app2-pki")) == "app1", "App2's Secret updated");

        // A Secret someone else made, at a Pki's name: never written, never listed (the watch sees only labelled
        // Secrets); the create's 409 is followed by a GET of that one Secret, and the Pki is reported as in conflict.
        await admin.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "foreign-pki" }, StringData = new Dictionary<string, string> { ["password"] = "s3cret" } }, "app2");
        await admin.CustomObjects.CreateNamespacedCustomObjectAsync<Pki>(
            new Pki { Metadata = new V1ObjectMeta { Name = "foreign-pki", NamespaceProperty = "app2" }, Spec = new PkiSpec { ServiceName = "app2" } },
            "box.com", "v1", "app2", "pkis");
        await Wait.UntilAsync(async () => await ReasonAsync(admin, "app2", "foreign-pki") == "SecretConflict", "the conflict is reported on the Pki");

        // Broken again: the same Warning again, its count patched.
        await PatchServiceNameAsync(admin, "app1", "app1-pki", "appp1");
        await Wait.UntilAsync(async () => await WarningCountAsync(admin, "app1", app1Pod) > 1, "the Warning's count grows");

        // A deleted Secret is provisioned again.
        await admin.CoreV1.DeleteNamespacedSecretAsync("app2-pki", "app2");
        await Wait.UntilAsync(async () => await SecretAsync(admin, "app2", "app2-pki") is not null, "App2's Secret provisioned again");

        // Hand-over: the leader dies without releasing its lease; the standby takes over and continues the Events it
        // did not write (create answered 409, get, patch).
        var before = await WarningCountAsync(admin, "app1", app1Pod);
        await StopAsync(a);
        await Wait.UntilAsync(() => b.Services.GetRequiredService<IControllerHealth>().Check().IsLeader, "replica-b takes over", TimeSpan.FromSeconds(30));
        await Wait.UntilAsync(async () => await WarningCountAsync(admin, "app1", app1Pod) > before, "the new leader continues the Warning's count");
        await StopAsync(b);

        var granted = ControlPlaneRbac.Granted();
        var used = ControlPlaneRbac.Used(server);
        var denied = ControlPlaneRbac.Denials(server);
        output.WriteLine("Used: " + string.Join(", ", used.Select(p => p.ToString()).Order()));
        var unused = granted.Except(used).Select(p => p.ToString()).Order().ToArray();
        Assert.True(
            denied.Count == 0 && unused.Length == 0 && used.IsSubsetOf(granted),
            $"samples/ControlPlane/config.yml and what the control plane does differ.\nGranted but never used (remove them, or cover them here):\n  {string.Join("\n  ", unused)}"
            + $"\nDenied calls (grant them, or stop making them):\n  {string.Join("\n  ", denied.Select(d => d.ToString()).Distinct())}"
            + $"\nUsed: {string.Join(", ", used.Select(p => p.ToString()).Order())}");
    }

    private static async Task<IHost> StartReplicaAsync(InProcessApiServer server, string allowedNamesPath, string identity)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ControlPlane:AllowedNamesPath"] = allowedNamesPath,
            ["K8sEventReporting:Events:ReportingInstance"] = identity,
            ["K8sEventReporting:Controller:ShutdownTimeout"] = "00:00:02",
            ["K8sEventReporting:LeaderElection:Enabled"] = "true",
            ["K8sEventReporting:LeaderElection:Identity"] = identity,
            ["K8sEventReporting:LeaderElection:LeaseNamespace"] = ControlPlaneRbac.ServiceAccount.Namespace,
            ["K8sEventReporting:LeaderElection:LeaseDuration"] = "00:00:02",
            ["K8sEventReporting:LeaderElection:RenewDeadline"] = "00:00:01.500",
            ["K8sEventReporting:LeaderElection:RetryPeriod"] = "00:00:00.200",
            ["K8sEventReporting:Admission:ServiceName"] = "controlplane-webhook",
            ["K8sEventReporting:Admission:ServiceNamespace"] = ControlPlaneRbac.ServiceAccount.Namespace,
            ["K8sEventReporting:Admission:WebhookConfigurationName"] = "box-controlplane",
        });
        builder.Configuration.AddInMemoryCollection(SampleControlPlane.AdmissionSettings);
        var configuration = server.CreateClientConfiguration(ControlPlaneRbac.ServiceAccount);
        builder.Services.AddSingleton<IKubernetes>(_ => new Kubernetes(configuration));
        Program.AddControlPlane(builder.Services, builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StopAsync(timeout.Token);
        host.Dispose();
    }

    private static async Task PatchServiceNameAsync(IKubernetes admin, string ns, string name, string serviceName) =>
        await admin.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch($"{{\"spec\":{{\"serviceName\":\"{serviceName}\"}}}}", V1Patch.PatchType.MergePatch), "box.com", "v1", ns, "pkis", name);

    private static async Task<V1Secret?> SecretAsync(IKubernetes admin, string ns, string name) =>
        (await admin.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "metadata.name=" + name)).Items.SingleOrDefault();

    /// <summary>The service a Pki's TLS Secret is for: its certificate's common name.</summary>
    private static string? ServiceName(V1Secret? secret) =>
        secret?.Data?.TryGetValue("tls.crt", out var pem) == true
            ? System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(pem)).GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: false)
            : null;

    private static async Task<string?> ReadyAsync(IKubernetes admin, string ns, string name) =>
        (await admin.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", name)).Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready")?.Status;

    private static async Task<string?> ReasonAsync(IKubernetes admin, string ns, string name) =>
        (await admin.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", name)).Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready")?.Reason;

    private static async Task<int> WarningCountAsync(IKubernetes admin, string ns, string pod) =>
        (await admin.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.kind=Pod,involvedObject.name={pod},type=Warning")).Items.Sum(e => e.Series?.Count ?? e.Count ?? 1);
}
