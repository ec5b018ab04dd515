using System.Security.Cryptography.X509Certificates;
using System.Text;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.IntegrationTests.Certificates;

/// <summary>The CA kept in a Secret: created once, shared by replicas that race to create it, never overwritten.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CertificateIssuerIntegrationTests(ClusterFixture cluster)
{
    private static readonly string[] Names = ["app2", "app2.team.svc", "app2.team.svc.cluster.local"];

    [Fact]
    public async Task IssueAsync_FirstStart_CreatesOneCaSecretAndSignsWithIt()
    {
        var ns = await cluster.CreateNamespaceAsync("ca");
        using var issuer = Issuer(cluster.Client, ns);

        var issued = await Issue(issuer, "app2", Names);

        var caSecret = Assert.Single((await cluster.Client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "app.kubernetes.io/component=certificate-authority")).Items);
        Assert.Equal(IssuedCertificate.SecretType, caSecret.Type);
        Assert.Equal(issued.CaCertificatePem, Encoding.UTF8.GetString(caSecret.Data[IssuedCertificate.CertificateKey]));
        AssertSignedBy(issued, caSecret);
    }

    [Fact]
    public async Task IssueAsync_TwoReplicasRaceToCreateTheCa_OneCaSecretAndBothUseIt()
    {
        // Replica B reads no CA, then replica A creates it before B's create arrives: B's create is answered 409.
        var ns = await cluster.CreateNamespaceAsync("ca-race");
        using var a = Issuer(cluster.Client, ns);
        var aCreated = new TaskCompletionSource<IssuedCertificate>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var clientB = new Kubernetes(cluster.Configuration, new BeforeCreate(async () => aCreated.TrySetResult(await Issue(a, "app1", ["app1"]))));
        using var b = Issuer(clientB, ns);

        var fromB = await Issue(b, "app2", Names);
        var fromA = await aCreated.Task;
        var fromAAgain = await Issue(a, "app2", Names);

        var caSecret = Assert.Single((await cluster.Client.CoreV1.ListNamespacedSecretAsync(ns)).Items);
        Assert.Equal(fromA.CaCertificatePem, fromB.CaCertificatePem);
        AssertSignedBy(fromA, caSecret);
        AssertSignedBy(fromB, caSecret);
        AssertSignedBy(fromAAgain, caSecret);
        Assert.True((await a.GetAuthorityAsync()).Check(fromB.ToSecretData(), "app2", Names).IsCurrent);
        if (cluster.Server is { } server)
        {
            var creates = server.Requests.Where(r => r.Verb == "create" && r.Path.Contains($"/namespaces/{ns}/secrets", StringComparison.Ordinal)).ToArray();
            Assert.Equal([201, 409], creates.Select(r => r.StatusCode).Order());
        }
    }

    [Fact]
    public async Task IssueAsync_ManyReplicasAtOnce_OneCaSecret()
    {
        var ns = await cluster.CreateNamespaceAsync("ca-many");
        var issuers = Enumerable.Range(0, 6).Select(_ => Issuer(cluster.Client, ns)).ToArray();
        try
        {
            var issued = await Task.WhenAll(issuers.Select(i => Task.Run(() => Issue(i, "app2", Names))));

            var caSecret = Assert.Single((await cluster.Client.CoreV1.ListNamespacedSecretAsync(ns)).Items);
            Assert.All(issued, certificate => AssertSignedBy(certificate, caSecret));
        }
        finally
        {
            foreach (var issuer in issuers)
            {
                issuer.Dispose();
            }
        }
    }

    [Fact]
    public async Task IssueAsync_SomeoneElsesSecretHasTheCaName_NeverOverwrittenAndTheErrorNamesIt()
    {
        var ns = await cluster.CreateNamespaceAsync("ca-foreign");
        var foreign = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = new CertificateOptions().SecretName },
                Data = new Dictionary<string, byte[]> { ["password"] = "hunter2"u8.ToArray() },
            },
            ns);
        using var issuer = Issuer(cluster.Client, ns);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Issue(issuer, "app2", Names));

        Assert.Equal(
            $"The CA Secret {ns}/box-k8s-event-reporting-ca holds no usable CA: it has no tls.crt and tls.key. It is never overwritten: " +
            "delete it to have a new CA created, or set K8sEventReporting:Certificates:SecretName.",
            ex.Message);
        var after = await cluster.Client.CoreV1.ReadNamespacedSecretAsync(foreign.Metadata.Name, ns);
        Assert.Equal(foreign.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Equal("hunter2"u8.ToArray(), after.Data["password"]);
        Assert.Null(after.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task IssueAsync_ForeignSecretRemoved_CreatesTheCaOnTheNextTry()
    {
        var ns = await cluster.CreateNamespaceAsync("ca-retry");
        var name = new CertificateOptions().SecretName;
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = name } }, ns);
        using var issuer = Issuer(cluster.Client, ns);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Issue(issuer, "app2", Names));

        await cluster.Client.CoreV1.DeleteNamespacedSecretAsync(name, ns);
        var issued = await Issue(issuer, "app2", Names);

        AssertSignedBy(issued, await cluster.Client.CoreV1.ReadNamespacedSecretAsync(name, ns));
    }

    private static async Task<IssuedCertificate> Issue(CertificateIssuer issuer, string commonName, IReadOnlyCollection<string> dnsNames) =>
        (await issuer.GetAuthorityAsync()).Issue(commonName, dnsNames);

    private static CertificateIssuer Issuer(IKubernetes client, string ns) =>
        new(client, Options.Create(new CertificateOptions { SecretNamespace = ns }));

    private static void AssertSignedBy(IssuedCertificate issued, V1Secret caSecret)
    {
        using var ca = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(caSecret.Data[IssuedCertificate.CertificateKey]));
        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(issued.CaCertificatePem, ca.ExportCertificatePem());
    }

    /// <summary>Runs <paramref name="before"/> once, just before the first Secret create goes out (another replica winning the race).</summary>
    private sealed class BeforeCreate(Func<Task> before) : DelegatingHandler
    {
        private int _done;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/secrets", StringComparison.Ordinal)
                && Interlocked.Exchange(ref _done, 1) == 0)
            {
                await before();
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
