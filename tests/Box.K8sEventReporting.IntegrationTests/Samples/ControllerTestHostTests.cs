using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Testing.ApiServer;
using ControlPlane;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Box.K8sEventReporting.IntegrationTests.Samples;

/// <summary>
/// A consumer's whole composition (the sample's, with a reconciler, an owned child, a certificate issuer and the admission
/// webhook) in the test host: over fakes, and over the in-process API server.
/// </summary>
[Trait("Cluster", "InProcessOnly")] // The test host runs over fakes or over its own in-process server.
public sealed class ControllerTestHostTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string allowedNames = Path.Combine(Directory.CreateTempSubdirectory("allowed-names-").FullName, "allowedNames");

    public ControllerTestHostTests() => File.WriteAllLines(allowedNames, ["app1", "app2"]);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(allowedNames)!, recursive: true);

    [Fact]
    public async Task OverFakes_TheSamplesWholeComposition_StartsAndReportsAnInvalidPki()
    {
        await using var host = await ControllerTestHost.StartAsync(ComposeSample);

        host.Watcher<Pki>().Apply(new Pki { Metadata = new() { Name = "app1-pki", NamespaceProperty = "app1", Uid = "p-1", Generation = 1 }, Spec = new() { ServiceName = "appp1" } });
        host.Watcher<V1Pod>().Apply(new V1Pod
        {
            Metadata = new() { Name = "app1-7d9f8", NamespaceProperty = "app1", Uid = "pod-1" },
            Spec = new() { Containers = [new() { Name = "app" }], Volumes = [new() { Name = "pki", Secret = new() { SecretName = "app1-pki" } }] },
        });

        var warning = await host.WaitForEventAsync("app1", "app1-7d9f8", "InvalidServiceName", Timeout);
        var ready = await host.WaitForConditionAsync("app1", "app1-pki", ConditionStatus.False, Timeout);

        Assert.Equal("ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]", warning.Report.Message);
        Assert.Equal("InvalidServiceName", ready.Condition.Reason);
    }

    [Fact]
    public async Task OverFakes_AReconcilerThatCallsTheClient_FailsWithWhatToDoInstead()
    {
        await using var host = await ControllerTestHost.StartAsync(ComposeSample);

        host.Watcher<Pki>().Apply(new Pki { Metadata = new() { Name = "app2-pki", NamespaceProperty = "app2", Uid = "p-2", Generation = 1 }, Spec = new() { ServiceName = "app2" } });

        var failure = await Assert.ThrowsAsync<ReconcileFailedException>(() => host.WaitForReconcileAsync<Pki>("app2", "app2-pki", Timeout));
        Assert.Contains("runs over fakes: there is no API server", failure.Message + failure.InnerException?.Message, StringComparison.Ordinal);
        Assert.Contains("ControllerTestHost.StartAsync(server, compose)", failure.Message + failure.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverTheServer_TheSamplesWholeComposition_ProvisionsAValidPkiAndWarnsAnInvalidOnesPod()
    {
        await using var server = await InProcessApiServer.StartAsync();
        server.RegisterCustomResource("box.com", "v1", "pkis", "Pki");
        server.EnsureNamespace("app1");
        server.EnsureNamespace("app2");
        await using var host = await ControllerTestHost.StartAsync(server, ComposeSample);
        using var client = server.CreateClient();

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(new Pki { Metadata = new() { Name = "app2-pki" }, Spec = new() { ServiceName = "app2" } }, "box.com", "v1", "app2", "pkis");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(new Pki { Metadata = new() { Name = "app1-pki" }, Spec = new() { ServiceName = "appp1" } }, "box.com", "v1", "app1", "pkis");
        await client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new() { Name = "app1-7d9f8" },
                Spec = new() { Containers = [new() { Name = "app", Image = "app1" }], Volumes = [new() { Name = "pki", Secret = new() { SecretName = "app1-pki" } }] },
            },
            "app1");

        Assert.Equal("requeue", await host.WaitForReconcileAsync<Pki>("app2", "app2-pki", Timeout));   // valid: renewal requeued
        Assert.Equal("invalid", await host.WaitForReconcileAsync<Pki>("app1", "app1-pki", Timeout));
        var warning = await host.WaitForEventAsync("app1", "app1-7d9f8", "InvalidServiceName", Timeout);

        var secret = await client.CoreV1.ReadNamespacedSecretAsync("app2-pki", "app2");
        Assert.Equal("kubernetes.io/tls", secret.Type);
        Assert.Equal("ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]", warning.Report.Message);
        Assert.Empty(host.ReconcileErrors);
    }

    private void ComposeSample(IServiceCollection services)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ControlPlane:AllowedNamesPath"] = allowedNames,
            ["K8sEventReporting:Admission:Port"] = "0",
            ["K8sEventReporting:Admission:Address"] = "127.0.0.1",
            ["K8sEventReporting:Certificates:SecretNamespace"] = "app2",
        }).Build();
        services.AddSingleton<IConfiguration>(configuration);
        Program.AddControlPlane(services, configuration);
    }
}
