using System.Net;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using ControlPlane;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Box.K8sEventReporting.IntegrationTests.Hosting;

/// <summary>The probe endpoint enabled from configuration, answering from the real controllers' health.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HealthProbeControllerIntegrationTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Readyz_ControllerCachesSynced_Answers200LeadingAndLivezAnswers200()
    {
        var ns = await cluster.CreateNamespaceAsync("health");
        var port = HealthProbeIntegrationTests.FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["K8sEventReporting:Watcher:Namespaces:0"] = ns,
            ["K8sEventReporting:Health:Enabled"] = "true",
            ["K8sEventReporting:Health:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddSingleton(cluster.Client);
        builder.Services.AddK8sEventReporting(builder.Configuration.GetSection("K8sEventReporting")).AddController<Pki>();
        using var host = builder.Build();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Wait.DefaultTimeout };
        await host.StartAsync();

        string? readyBody = null;
        await Wait.UntilAsync(
            async () =>
            {
                using var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
                readyBody = await ready.Content.ReadAsStringAsync();
                // Ready as soon as the caches are synced (a standby replica is ready too); this one replica then leads.
                return ready.StatusCode == HttpStatusCode.OK && readyBody.StartsWith("ok: leading as '", StringComparison.Ordinal);
            },
            "/readyz answers 200 leading",
            describe: () => readyBody ?? "no answer");
        using var live = await client.GetAsync(new Uri("/livez", UriKind.Relative));

        Assert.StartsWith("ok: leading as '", readyBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var timeout = new CancellationTokenSource(Wait.DefaultTimeout);
        await host.StopAsync(timeout.Token);
    }
}
