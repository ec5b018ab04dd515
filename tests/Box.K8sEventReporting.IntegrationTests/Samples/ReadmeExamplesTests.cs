using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Testing.ApiServer;
using ControlPlane;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.IntegrationTests.Samples;

/// <summary>The testing guide's examples (docs/testing.md), kept compiling and passing.</summary>
[Trait("Cluster", "InProcessOnly")] // The testing guide's examples show the in-process server itself.
public class ReadmeExamplesTests
{
    [Fact]
    public async Task SecretProvisioner_ValidPki_CreatesTheOwnedSecretOnce()
    {
        #region readme
        await using var server = await InProcessApiServer.StartAsync();
        server.EnsureNamespace("app2");
        server.EnsureNamespace("controlplane");
        using var client = server.CreateClient();
        var secrets = new OwnedChildWriter<V1Secret>(client, "controlplane");   // no cache given: it reads the Secret first
        using var issuer = new CertificateIssuer(client, Options.Create(new CertificateOptions { SecretNamespace = "controlplane" }));
        var pki = new Pki { Metadata = new() { Name = "app2-pki", NamespaceProperty = "app2", Uid = "u-1" }, Spec = new() { ServiceName = "app2" } };

        await new SecretProvisioner(secrets, issuer).ReconcileAsync(pki, CancellationToken.None);

        var secret = await client.CoreV1.ReadNamespacedSecretAsync("app2-pki", "app2");
        Assert.Equal("u-1", Assert.Single(secret.Metadata.OwnerReferences).Uid);
        Assert.Equal("kubernetes.io/tls", secret.Type);
        #endregion
    }

    [Fact]
    public async Task Controller_Typo_WarnsThePodThatMountsTheSecret()
    {
        await using var server = await InProcessApiServer.StartAsync();       // the real client, over HTTP
        server.RegisterCustomResource("box.com", "v1", "pkis", "Pki");
        server.EnsureNamespace("app1");
        var pods = new FakePodEventReporter();                                // records what pods are told
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(server.CreateClient());
        services.AddSingleton<IPodEventReporter>(pods);
        services.Configure<AllowedNamesOptions>(o => o.Names = ["app1", "app2"]);
        services.AddK8sEventReporting()
            .AddController<Pki>(c => c.AddValidator<ServiceNameValidator>().ReportOnPodsConsumingSecret(p => p.Metadata.Name));
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToArray();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        using var client = server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Pki { Metadata = new() { Name = "app1-pki" }, Spec = new() { ServiceName = "appp1" } }, "box.com", "v1", "app1", "pkis");
        await client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new() { Name = "app1-abc" },
                Spec = new() { Containers = [new() { Name = "app", Image = "app1" }], Volumes = [new() { Name = "pki", Secret = new() { SecretName = "app1-pki" } }] },
            },
            "app1");

        var warning = await pods.WaitForReportAsync(r => r.PodName == "app1-abc", TimeSpan.FromSeconds(20));
        Assert.Equal("ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]", warning.Report.Message);
        foreach (var service in hosted.Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }
    }
}
