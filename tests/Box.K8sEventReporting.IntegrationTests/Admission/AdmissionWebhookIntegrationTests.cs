using Box.K8sEventReporting.Admission;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.IntegrationTests.Scenario;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Validation;
using ControlPlane;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.IntegrationTests.Admission;

/// <summary>
/// The sample's admission webhook, called over HTTPS as the API server calls it (the certificate checked against the CA
/// for <c>&lt;service&gt;.&lt;namespace&gt;.svc</c>): the control plane runs against the cluster (for its CA), the test is
/// the caller, so these run on a real cluster too.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdmissionWebhookIntegrationTests(ClusterFixture cluster) : IDisposable
{
    private const string Service = "controlplane-webhook";
    private readonly string _directory = Directory.CreateTempSubdirectory("admission-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task SampleWebhook_WarnsWithTheValidatorsMessage_AndFollowsARewrittenAllowedNamesFile_WithoutRestart()
    {
        var allowedNames = Path.Combine(_directory, "allowedNames");
        await File.WriteAllTextAsync(allowedNames, "app1\napp2\n");
        var ns = await cluster.CreateNamespaceAsync("admission");
        using var host = SampleControlPlane.Build(cluster.ControlPlaneClient, allowedNames, null, s => s.Configure<AdmissionWebhookOptions>(o =>
        {
            o.ServiceName = Service;
            o.ServiceNamespace = ns;
        }), ns);
        await host.StartAsync();
        var listener = host.Services.GetRequiredService<IAdmissionWebhookListener>();
        var endpoint = await listener.WaitUntilServingAsync().WaitAsync(Wait.DefaultTimeout);
        var ca = (await host.Services.GetRequiredService<ICertificateIssuer>().GetAuthorityAsync()).CertificatePem;
        using var webhook = new AdmissionWebhookClient(endpoint, ca, $"{Service}.{ns}.svc");
        var typo = new Pki { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "appp1" } };

        var response = await webhook.PostAsync("/validate-box-com-v1-pki", AdmissionWebhookClient.Review("uid-1", "CREATE", typo));

        Assert.Equal("uid-1", response.GetProperty("uid").GetString());
        Assert.True(response.GetProperty("allowed").GetBoolean());
        Assert.Equal(["ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]"], AdmissionWebhookClient.Warnings(response));
        await Wait.UntilAsync(() => host.Services.GetRequiredService<IControllerHealth>().Check().IsReady, "ready, the webhook listening included");

        // Like the kubelet swapping a ConfigMap volume: the same validator, so admission follows the file as the controller does.
        var replacement = Path.Combine(_directory, "allowedNames.new");
        await File.WriteAllTextAsync(replacement, "app1\napp2\nappp1\n");
        File.Move(replacement, allowedNames, overwrite: true);
        await Wait.UntilAsync(
            async () => AdmissionWebhookClient.Warnings(await webhook.PostAsync("/validate-box-com-v1-pki", AdmissionWebhookClient.Review("uid-2", "UPDATE", typo))).Length == 0,
            "admission allows appp1 once the file lists it");
        await SampleControlPlane.StopAsync(host);
        ControlPlaneRbac.AssertNoDenials(cluster.Server, [ns]);
    }

    [Fact]
    public async Task ListeningOnAllAddresses_TheLogSaysSo()
    {
        var allowedNames = Path.Combine(_directory, "allowedNames");
        await File.WriteAllTextAsync(allowedNames, "app1\napp2\n");
        var ns = await cluster.CreateNamespaceAsync("admission-log");
        var logs = new CapturingLoggerFactory();
        using var host = SampleControlPlane.Build(cluster.ControlPlaneClient, allowedNames, null, s =>
        {
            s.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(logs);
            s.PostConfigure<AdmissionWebhookOptions>(o =>
            {
                o.ServiceName = Service;
                o.ServiceNamespace = ns;
                o.Address = "0.0.0.0";   // after the test settings' 127.0.0.1
            });
        }, ns);
        await host.StartAsync();
        var endpoint = await host.Services.GetRequiredService<IAdmissionWebhookListener>().WaitUntilServingAsync().WaitAsync(Wait.DefaultTimeout);
        await SampleControlPlane.StopAsync(host);

        var line = Assert.Single(logs.Lines, l => l.Contains("AdmissionListening", StringComparison.Ordinal));
        Assert.Contains($"listens on https://0.0.0.0:{endpoint.Port}/ (all IPv4 addresses)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_RefusesWhatIsNotAnAdmissionReviewPost_WithOneClearStatus()
    {
        var ns = await cluster.CreateNamespaceAsync("admission-bad");
        await using var webhook = await MinimalWebhookAsync(ns, TimeProvider.System);

        Assert.Equal(405, await webhook.Client.SendAsync(HttpMethod.Get, "/validate-box-com-v1-pki"));
        Assert.Equal(404, await webhook.Client.SendAsync(HttpMethod.Post, "/validate-apps-v1-deployment", "{}"));
        Assert.Equal(400, await webhook.Client.SendAsync(HttpMethod.Post, "/validate-box-com-v1-pki", "not json"));
        Assert.Equal(400, await webhook.Client.SendAsync(HttpMethod.Post, "/validate-box-com-v1-pki", """{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"""));
    }

    [Fact]
    public async Task ServingCertificate_IsRenewedBeforeExpiry_AndTheListenerKeepsServing_WithoutRestart()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var ns = await cluster.CreateNamespaceAsync("admission-rotate");
        await using var webhook = await MinimalWebhookAsync(ns, time);
        var review = AdmissionWebhookClient.Review("uid-1", "CREATE", TestPki.Create(ns, "p", "1", "bad"));
        Assert.Single(AdmissionWebhookClient.Warnings(await webhook.Client.PostAsync("/validate-box-com-v1-pki", review)));
        var first = webhook.Client.LastCertificate!;

        // Day 61 of 90: past two thirds of its life, the certificate is renewed in place.
        time.Advance(TimeSpan.FromDays(61));
        await Wait.UntilAsync(() => webhook.Listener.CertificatePem != webhook.FirstPem, "a renewed certificate");
        var answer = await webhook.Client.PostAsync("/validate-box-com-v1-pki", review);

        var second = webhook.Client.LastCertificate!;
        Assert.Single(AdmissionWebhookClient.Warnings(answer));
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.True(second.NotAfter > first.NotAfter.AddDays(60), $"{second.NotAfter:u} follows {first.NotAfter:u}");
    }

    [Fact]
    public async Task HealthProbes_WithTheWebhook_AreServedByItsKestrel_NotBySecondServer()
    {
        var ns = await cluster.CreateNamespaceAsync("admission-health");
        var port = Hosting.HealthProbeIntegrationTests.FreePort();
        await using var webhook = await MinimalWebhookAsync(ns, TimeProvider.System, healthPort: port);

        // Every hosted service started, the library's probe server among them: it steps aside, or Kestrel could not bind.
        foreach (var service in webhook.Provider.GetServices<IHostedService>().Where(s => s is not IAdmissionWebhookListener))
        {
            await service.StartAsync(CancellationToken.None);
        }

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Wait.DefaultTimeout };
        string? body = null;
        await Wait.UntilAsync(
            async () =>
            {
                using var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
                body = await ready.Content.ReadAsStringAsync();
                return ready.StatusCode == System.Net.HttpStatusCode.OK;
            },
            "/readyz answers 200",
            describe: () => body ?? "no answer");
        using var other = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

        // The answer includes the webhook's own check: the webhook's Kestrel answered, on the health port.
        Assert.StartsWith("ok: ", body, StringComparison.Ordinal);
        Assert.Contains("the admission webhook is serving", body, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("not found: probe /readyz or /livez\n", await other.Content.ReadAsStringAsync());
        Assert.Single(webhook.Provider.GetServices<IHostedService>().OfType<IAdmissionWebhookListener>());
        foreach (var service in webhook.Provider.GetServices<IHostedService>().Where(s => s is not IAdmissionWebhookListener).Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>A controller of TestPki with only the webhook started (its hosted service alone), on the given clock.</summary>
    private async Task<MinimalWebhook> MinimalWebhookAsync(string ns, TimeProvider time, int? healthPort = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddSingleton(cluster.ControlPlaneClient);
        services.AddK8sEventReporting()
            .AddCertificateIssuer(o => o.SecretNamespace = ns)
            .AddController<TestPki>(c => c
                .AddValidator((p, _) => ValueTask.FromResult(p.Spec?.ServiceName == "bad"
                    ? ValidationResult.Fail(new ValidationFailure("spec.serviceName", "Bad", "bad name"))
                    : ValidationResult.Success))
                .AddAdmissionWebhook(o =>
                {
                    o.Port = 0;
                    o.Address = "127.0.0.1";
                    o.ServiceName = Service;
                    o.ServiceNamespace = ns;
                }));
        if (healthPort is { } port)
        {
            services.Configure<HealthProbeOptions>(o =>
            {
                o.Enabled = true;
                o.Port = port;
            });
        }

        var provider = services.BuildServiceProvider();
        var server = provider.GetServices<IHostedService>().OfType<IAdmissionWebhookListener>().Single();
        await ((IHostedService)server).StartAsync(CancellationToken.None);
        var endpoint = await server.WaitUntilServingAsync().WaitAsync(Wait.DefaultTimeout);
        var ca = (await provider.GetRequiredService<ICertificateIssuer>().GetAuthorityAsync()).CertificatePem;
        return new MinimalWebhook(provider, server, new AdmissionWebhookClient(endpoint, ca, $"{Service}.{ns}.svc", time.GetUtcNow), server.CertificatePem!);
    }

    private sealed record MinimalWebhook(ServiceProvider Provider, IAdmissionWebhookListener Listener, AdmissionWebhookClient Client, string FirstPem) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await ((IHostedService)Listener).StopAsync(CancellationToken.None);
            await Provider.DisposeAsync();
        }
    }
}
