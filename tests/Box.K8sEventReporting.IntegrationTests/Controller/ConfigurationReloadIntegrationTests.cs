using System.Net;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using ControlPlane;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>The sample's composition: rewriting the AllowedNames file (as a ConfigMap update does) revalidates every Pki.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ConfigurationReloadIntegrationTests(ClusterFixture cluster) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("allowed-names-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task AllowedNamesFileRewritten_PreviouslyInvalidPki_IsProvisionedWithoutRestart()
    {
        var path = Path.Combine(_directory, "allowedNames");
        await File.WriteAllTextAsync(path, "app1\n");
        var ns = await cluster.CreateNamespaceAsync("reload");
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Pki { Metadata = new V1ObjectMeta { Name = "app2-pki", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "app2" } },
            "box.com", "v1", ns, "pkis");
        using var host = BuildControlPlane(path, ns);
        await host.StartAsync();
        await Wait.UntilAsync(async () => await ReadyAsync(ns) == "False", "app2 is reported as not allowed");

        // Like the kubelet swapping a ConfigMap volume: a new file moved over the old one.
        var replacement = Path.Combine(_directory, "allowedNames.new");
        await File.WriteAllTextAsync(replacement, "app1\napp2\n");
        File.Move(replacement, path, overwrite: true);

        await Wait.UntilAsync(() => SecretExistsAsync(ns, "app2-pki"), "the Secret is provisioned after the reload", TimeSpan.FromSeconds(20));
        await Wait.UntilAsync(async () => await ReadyAsync(ns) == "True", "the Pki turns Ready");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StopAsync(timeout.Token);
        ControlPlaneRbac.AssertNoDenials(cluster.Server);
    }

    private IHost BuildControlPlane(string allowedNamesPath, string ns)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ControlPlane:AllowedNamesPath"] = allowedNamesPath,
            ["K8sEventReporting:Events:ReportingInstance"] = "reload-test",
            ["K8sEventReporting:Watcher:Namespaces:0"] = ns,
            ["K8sEventReporting:Certificates:SecretNamespace"] = ns,
        });
        builder.Configuration.AddInMemoryCollection(Scenario.SampleControlPlane.AdmissionSettings);
        builder.Services.AddSingleton<IKubernetes>(_ => new Kubernetes(cluster.ControlPlaneConfiguration));
        Program.AddControlPlane(builder.Services, builder.Configuration);
        return builder.Build();
    }

    private async Task<string?> ReadyAsync(string ns)
    {
        var pki = await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", "app2-pki");
        return pki.Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready")?.Status;
    }

    private async Task<bool> SecretExistsAsync(string ns, string name)
    {
        try
        {
            await cluster.Client.CoreV1.ReadNamespacedSecretAsync(name, ns);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
