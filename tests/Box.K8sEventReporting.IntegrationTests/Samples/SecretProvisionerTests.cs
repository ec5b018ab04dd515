using System.Security.Cryptography.X509Certificates;
using System.Text;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing;
using ControlPlane;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.IntegrationTests.Samples;

/// <summary>The sample's reconciler on fake time against the cluster: TLS material issued, renewed on time, re-issued on a new name.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SecretProvisionerTests(ClusterFixture cluster) : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FakeCustomResourceWatcher<V1Secret> _secrets = new();
    private CertificateIssuer? _issuer;

    public void Dispose() => _issuer?.Dispose();

    [Fact]
    public async Task Reconcile_ValidPki_TlsSecretWhoseChainVerifiesAgainstCaCrtForTheServiceNames()
    {
        var (ns, provisioner) = await SetUpAsync();
        var pki = await CreatePkiAsync(ns, "app2-pki", "app2");

        var result = await provisioner.ReconcileAsync(pki, CancellationToken.None);

        var secret = await ReadSecretAsync(ns, "app2-pki");
        Assert.Equal("kubernetes.io/tls", secret.Type);
        Assert.Equal(["ca.crt", "tls.crt", "tls.key"], secret.Data.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(pki.Metadata.Uid, Assert.Single(secret.Metadata.OwnerReferences, o => o.Controller == true).Uid);
        using var leaf = X509Certificate2.CreateFromPem(Pem(secret, "tls.crt"), Pem(secret, "tls.key"));
        AssertChainsTo(leaf, Pem(secret, "ca.crt"));
        Assert.Equal("CN=app2", leaf.Subject);
        string[] names = ["app2", $"app2.{ns}.svc", $"app2.{ns}.svc.cluster.local"];
        Assert.Equal(names, leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.All(names, name => Assert.True(leaf.MatchesHostname(name), name));
        var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
        var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime());
        Assert.Equal(notAfter, (await ReadPkiAsync(ns, "app2-pki")).Status?.NotAfter);
        AssertClose(notBefore + ((notAfter - notBefore) * 2 / 3) - _time.GetUtcNow(), result.RequeueAfter!.Value, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Reconcile_OnFakeTime_RenewsAtTwoThirdsOfTheLifetimeAndNotBefore()
    {
        var (ns, provisioner) = await SetUpAsync();
        var pki = await CreatePkiAsync(ns, "app2-pki", "app2");
        var first = await provisioner.ReconcileAsync(pki, CancellationToken.None);
        var issued = await ReadSecretAsync(ns, "app2-pki");
        var firstNotAfter = (await ReadPkiAsync(ns, "app2-pki")).Status!.NotAfter!.Value;

        _time.Advance(first.RequeueAfter!.Value - TimeSpan.FromSeconds(1));
        var early = await provisioner.ReconcileAsync(await ReadPkiAsync(ns, "app2-pki"), CancellationToken.None);

        AssertClose(TimeSpan.FromSeconds(1), early.RequeueAfter!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal(issued.Metadata.ResourceVersion, (await ReadSecretAsync(ns, "app2-pki")).Metadata.ResourceVersion);

        _time.Advance(TimeSpan.FromSeconds(1));
        var renewed = await provisioner.ReconcileAsync(await ReadPkiAsync(ns, "app2-pki"), CancellationToken.None);

        var secret = await ReadSecretAsync(ns, "app2-pki");
        Assert.NotEqual(issued.Metadata.ResourceVersion, secret.Metadata.ResourceVersion);
        Assert.NotEqual(Pem(issued, "tls.key"), Pem(secret, "tls.key"));
        using var leaf = X509Certificate2.CreateFromPem(Pem(secret, "tls.crt"));
        var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
        Assert.Equal(firstNotAfter + (first.RequeueAfter!.Value), notAfter, TimeSpan.FromSeconds(1));
        Assert.Equal(notAfter, (await ReadPkiAsync(ns, "app2-pki")).Status?.NotAfter);
        AssertClose(TimeSpan.FromDays(60), renewed.RequeueAfter!.Value, TimeSpan.FromMinutes(5));
        if (cluster.Server is { } server)
        {
            // One status write per issuance, none for the reconcile in between.
            Assert.Equal(2, server.Requests.Count(r => r.Verb == "patch" && r.Path.EndsWith($"/namespaces/{ns}/pkis/app2-pki/status", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Reconcile_ServiceNameChanged_ReissuesForTheNewName()
    {
        var (ns, provisioner) = await SetUpAsync();
        var pki = await CreatePkiAsync(ns, "app1-pki", "app2");
        await provisioner.ReconcileAsync(pki, CancellationToken.None);
        var before = await ReadSecretAsync(ns, "app1-pki");

        pki = await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync<Pki>(
            new V1Patch("{\"spec\":{\"serviceName\":\"app1\"}}", V1Patch.PatchType.MergePatch), "box.com", "v1", ns, "pkis", "app1-pki");
        await provisioner.ReconcileAsync(pki, CancellationToken.None);

        var after = await ReadSecretAsync(ns, "app1-pki");
        Assert.NotEqual(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        using var leaf = X509Certificate2.CreateFromPem(Pem(after, "tls.crt"));
        AssertChainsTo(leaf, Pem(after, "ca.crt"));
        Assert.Equal("CN=app1", leaf.Subject);
        Assert.Equal(["app1", $"app1.{ns}.svc", $"app1.{ns}.svc.cluster.local"], leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
    }

    private async Task<(string Namespace, IReconciler<Pki> Provisioner)> SetUpAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("tls");
        var controlPlane = await cluster.CreateNamespaceAsync("cp");
        _issuer = new CertificateIssuer(cluster.Client, Options.Create(new CertificateOptions { SecretNamespace = controlPlane }), timeProvider: _time);
        return (ns, new CachingReconciler(new SecretProvisioner(new OwnedChildWriter<V1Secret>(cluster.Client, "controlplane", _secrets.Cache), _issuer, _time), _secrets, cluster.Client));
    }

    private async Task<Pki> CreatePkiAsync(string ns, string name, string serviceName) =>
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<Pki>(
            new Pki { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = serviceName } }, "box.com", "v1", ns, "pkis");

    private async Task<Pki> ReadPkiAsync(string ns, string name) =>
        await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", name);

    private Task<V1Secret> ReadSecretAsync(string ns, string name) => cluster.Client.CoreV1.ReadNamespacedSecretAsync(name, ns);

    private static string Pem(V1Secret secret, string key) => Encoding.UTF8.GetString(secret.Data[key]);

    private static void AssertClose(TimeSpan expected, TimeSpan actual, TimeSpan tolerance) =>
        Assert.True((expected - actual).Duration() <= tolerance, $"expected {expected} ± {tolerance}, was {actual}");

    private static void AssertChainsTo(X509Certificate2 leaf, string caPem)
    {
        using var ca = X509Certificate2.CreateFromPem(caPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    /// <summary>
    /// Keeps the fake Secret cache as the watcher would: after each reconcile, what the server holds; and writes the status
    /// fields the result asks for, as the controller does (in its status patch).
    /// </summary>
    private sealed class CachingReconciler(IReconciler<Pki> inner, FakeCustomResourceWatcher<V1Secret> secrets, IKubernetes client) : IReconciler<Pki>
    {
        public async ValueTask<ReconcileResult> ReconcileAsync(Pki resource, CancellationToken cancellationToken)
        {
            var result = await inner.ReconcileAsync(resource, cancellationToken);
            if (result.Status.Count > 0)
            {
                var status = new System.Text.Json.Nodes.JsonObject();
                foreach (var (name, value) in result.Status)
                {
                    status[name] = value?.DeepClone();
                }

                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    new V1Patch(new System.Text.Json.Nodes.JsonObject { ["status"] = status }.ToJsonString(), V1Patch.PatchType.MergePatch),
                    "box.com", "v1", resource.Metadata.NamespaceProperty, "pkis", resource.Metadata.Name, cancellationToken: cancellationToken);
            }

            secrets.Apply(await client.CoreV1.ReadNamespacedSecretAsync(resource.Metadata.Name, resource.Metadata.NamespaceProperty, cancellationToken: cancellationToken));
            return result;
        }
    }
}
