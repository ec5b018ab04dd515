using System.Net;
using System.Net.Sockets;
using System.Text;
using Box.K8sEventReporting.Admission;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.IntegrationTests.Scenario;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing;
using ControlPlane;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Box.K8sEventReporting.IntegrationTests.Admission;

/// <summary>
/// The whole path: the client → the API server → the sample control plane's webhook over verified HTTPS → the answer,
/// with the webhook of samples/ControlPlane/config.yml, its CA bundle written by the control plane. The API server calls
/// the webhook by URL on loopback (<c>clientConfig.url</c>), which a real API server on the same machine does as well as
/// the in-process one, so no Service network is needed; the configuration is cluster-scoped, so it is uniquely named and
/// its namespaceSelector admits only the test's own namespace, leaving the rest of a shared cluster alone.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdmissionEndToEndTests(ClusterFixture cluster) : IDisposable
{
    private const string Typo = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]";
    private const string WebhookPath = "/validate-box-com-v1-pki";
    private readonly string _allowedNames = SampleControlPlane.WriteAllowedNames("app1\napp2\n");

    public void Dispose() => File.Delete(_allowedNames);

    [Fact]
    public async Task Warn_TheObjectIsStored_AndTheWarningHeaderReachesTheClient()
    {
        await WithControlPlaneAsync(AdmissionMode.Warn, async ns =>
        {
            // A dry run calls the webhook too (sideEffects: None) and stores nothing: it tells when the API server uses
            // the configuration with its CA bundle (a real server reads configurations through an informer).
            await Wait.UntilAsync(
                async () =>
                {
                    using var dryRun = await cluster.Client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(Typo1(ns), "box.com", "v1", ns, "pkis", dryRun: "All");
                    return KubectlWarnings.Parse(dryRun.Response.Headers).Count > 0;
                },
                "a dry-run create gets the webhook's warning");

            using var created = await cluster.Client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(Typo1(ns), "box.com", "v1", ns, "pkis");

            Assert.Equal([Typo], KubectlWarnings.Parse(created.Response.Headers));
            Assert.NotNull(await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", "app1-pki"));
        });
    }

    [Fact]
    public async Task Deny_TheObjectIsRefused_WithTheFailuresAsFieldCauses()
    {
        await WithControlPlaneAsync(AdmissionMode.Deny, async ns =>
        {
            await Wait.UntilAsync(
                async () =>
                {
                    try
                    {
                        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(Typo1(ns), "box.com", "v1", ns, "pkis", dryRun: "All");
                        return false;
                    }
                    catch (HttpOperationException e) when ((int)e.Response.StatusCode == 422)
                    {
                        return true;
                    }
                },
                "a dry-run create is denied by the webhook");

            var refused = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(Typo1(ns), "box.com", "v1", ns, "pkis"));

            Assert.Equal(422, (int)refused.Response.StatusCode);
            var status = KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
            Assert.StartsWith("admission webhook \"pkis.box.com\" denied the request: ", status.Message, StringComparison.Ordinal);
            Assert.Contains(Typo, status.Message, StringComparison.Ordinal);
            var cause = Assert.Single(status.Details.Causes);
            Assert.Equal(("spec.serviceName", "InvalidServiceName", Typo), (cause.Field, cause.Reason, cause.Message));
            var missing = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", "app1-pki"));
            Assert.Equal(404, (int)missing.Response.StatusCode);
        });
    }

    private static Pki Typo1(string ns) => new() { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "appp1" } };

    /// <summary>
    /// A free port on loopback, for the webhook's URL. The URL has to be known before the control plane starts: it writes
    /// the CA bundle at start into the configuration's webhooks with that URL, so the configuration must already name it.
    /// </summary>
    private static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// The webhook of config.yml, called at <paramref name="url"/> and only for objects in <paramref name="ns"/>, in a
    /// configuration of its own; its rules, policies, timeout and review versions are the sample's.
    /// </summary>
    private static V1ValidatingWebhookConfiguration Configuration(string name, string url, string ns)
    {
        var sample = KubernetesYaml.LoadAllFromString(ControlPlaneRbac.ConfigYaml).OfType<V1ValidatingWebhookConfiguration>().Single();
        var webhook = Assert.Single(sample.Webhooks);
        webhook.ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = url };
        webhook.NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns } };
        return new V1ValidatingWebhookConfiguration { Metadata = new V1ObjectMeta { Name = name }, Webhooks = [webhook] };
    }

    /// <summary>
    /// A fresh namespace, the configuration, and the sample control plane in Url mode writing the CA bundle into it; runs
    /// <paramref name="test"/>; then stops the control plane and deletes the configuration, whatever happened.
    /// </summary>
    private async Task WithControlPlaneAsync(AdmissionMode mode, Func<string, Task> test)
    {
        var ns = await cluster.CreateNamespaceAsync("admission-e2e");
        var url = $"https://127.0.0.1:{FreeLoopbackPort()}{WebhookPath}";
        var name = $"box-e2e-{Guid.NewGuid():N}";
        await cluster.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Configuration(name, url, ns));
        IHost? host = null;
        try
        {
            // PostConfigure: after the test settings' Port=0, which would otherwise win over a Configure made here.
            host = SampleControlPlane.Build(cluster.Client, _allowedNames, null, s => s.PostConfigure<AdmissionWebhookOptions>(o =>
            {
                o.Mode = mode;
                o.Port = new Uri(url).Port;
                o.Url = new Uri(url);
                o.WebhookConfigurationName = name;
            }), ns);
            await host.StartAsync();
            var endpoint = await host.Services.GetRequiredService<IAdmissionWebhookListener>().WaitUntilServingAsync().WaitAsync(Wait.DefaultTimeout);
            Assert.Equal(new Uri(url).Port, endpoint.Port);
            var ca = (await host.Services.GetRequiredService<ICertificateIssuer>().GetAuthorityAsync()).CertificatePem;
            await Wait.UntilAsync(
                async () => (await cluster.Client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync(name)).Webhooks.Single().ClientConfig.CaBundle is { } b && Encoding.UTF8.GetString(b) == ca,
                "the CA bundle written into the ValidatingWebhookConfiguration");

            await test(ns);
        }
        finally
        {
            try
            {
                if (host is not null)
                {
                    await SampleControlPlane.StopAsync(host);
                }
            }
            finally
            {
                host?.Dispose();
                await cluster.Client.AdmissionregistrationV1.DeleteValidatingWebhookConfigurationAsync(name);
            }
        }
    }
}
