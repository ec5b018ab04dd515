using System.Text;
using Box.K8sEventReporting.Admission;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.CustomResourceDefinitions;
using Box.K8sEventReporting.IntegrationTests.Scenario;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Testing.ApiServer;
using ControlPlane;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Box.K8sEventReporting.IntegrationTests.Admission;

/// <summary>
/// The whole path: <c>kubectl apply</c> (the real client) → the API server → the sample control plane's webhook over
/// verified HTTPS → the answer, with the ValidatingWebhookConfiguration of samples/ControlPlane/config.yml, its CA
/// bundle written by the control plane.
/// </summary>
[Trait("Cluster", "InProcessOnly")] // MapService stands in for the Service network; on a cluster the deployed Service does it.
public sealed class AdmissionEndToEndTests : IDisposable
{
    private const string Typo = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]";
    private readonly string _allowedNames = SampleControlPlane.WriteAllowedNames("app1\napp2\n");

    public void Dispose() => File.Delete(_allowedNames);

    [Fact]
    public async Task Warn_TheObjectIsStored_AndTheWarningHeaderReachesTheClient()
    {
        await using var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { Https = true });
        using var admin = server.CreateClient();
        using var host = await StartControlPlaneAsync(server, admin, AdmissionMode.Warn);

        using var created = await admin.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(Typo1(), "box.com", "v1", "app1", "pkis");

        Assert.Equal([Typo], KubectlWarnings.Parse(created.Response.Headers));
        Assert.NotNull(await admin.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", "app1", "pkis", "app1-pki"));
        await SampleControlPlane.StopAsync(host);
    }

    [Fact]
    public async Task Deny_TheObjectIsRefused_WithTheFailuresAsFieldCauses()
    {
        await using var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { Https = true });
        using var admin = server.CreateClient();
        using var host = await StartControlPlaneAsync(server, admin, AdmissionMode.Deny);

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => admin.CustomObjects.CreateNamespacedCustomObjectAsync(Typo1(), "box.com", "v1", "app1", "pkis"));

        Assert.Equal(422, (int)refused.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
        Assert.StartsWith("admission webhook \"pkis.box.com\" denied the request: ", status.Message, StringComparison.Ordinal);
        Assert.Contains(Typo, status.Message, StringComparison.Ordinal);
        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal(("spec.serviceName", "InvalidServiceName", Typo), (cause.Field, cause.Reason, cause.Message));
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => admin.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", "app1", "pkis", "app1-pki"));
        Assert.Equal(404, (int)missing.Response.StatusCode);
        await SampleControlPlane.StopAsync(host);
    }

    private static Pki Typo1() => new() { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = "app1" }, Spec = new PkiSpec { ServiceName = "appp1" } };

    /// <summary>The Pki CRD, the namespaces and the ValidatingWebhookConfiguration of config.yml; the sample control plane, its webhook reachable as its Service.</summary>
    private async Task<IHost> StartControlPlaneAsync(InProcessApiServer server, IKubernetes admin, AdmissionMode mode)
    {
        var manifests = KubernetesYaml.LoadAllFromString(ControlPlaneRbac.ConfigYaml);
        await admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CustomResourceDefinitionBuilder.Build<Pki>());
        server.EnsureNamespace("controlplane");
        server.EnsureNamespace("app1");
        await admin.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(manifests.OfType<V1ValidatingWebhookConfiguration>().Single());
        var host = SampleControlPlane.Build(admin, _allowedNames, null, s => s.Configure<AdmissionWebhookOptions>(o =>
        {
            o.Mode = mode;
            o.ServiceName = "controlplane-webhook";
            o.ServiceNamespace = "controlplane";
            o.WebhookConfigurationName = "box-controlplane";
        }), "app1");
        await host.StartAsync();
        var endpoint = await host.Services.GetRequiredService<IAdmissionWebhookListener>().WaitUntilServingAsync().WaitAsync(Wait.DefaultTimeout);
        server.MapService("controlplane", "controlplane-webhook", 443, endpoint);
        var ca = (await host.Services.GetRequiredService<ICertificateIssuer>().GetAuthorityAsync()).CertificatePem;
        await Wait.UntilAsync(
            async () => (await admin.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("box-controlplane")).Webhooks.All(w => w.ClientConfig.CaBundle is { } b && Encoding.UTF8.GetString(b) == ca),
            "the CA bundle written into the ValidatingWebhookConfiguration");
        return host;
    }
}
