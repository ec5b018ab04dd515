using System.Text;
using System.Text.Json;
using Box.K8sEventReporting.Admission;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Admission;

public sealed class CaBundlePatchTests
{
    private const string Ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    [Fact]
    public void PatchesOnlyTheStaleWebhooksOfTheService_GuardedByTheResourceVersion()
    {
        var configuration = Configuration(
            Webhook("pkis.box.com", "controlplane", "controlplane-webhook", null),
            Webhook("other.example.com", "other", "someone-else", null),
            Webhook("current.box.com", "controlplane", "controlplane-webhook", Encoding.UTF8.GetBytes(Ca)));

        var decision = CaBundlePatch.Decide(configuration, Ca, "controlplane", "controlplane-webhook");

        Assert.Equal(2, decision.Matching);
        using var patch = JsonDocument.Parse(decision.Patch!);
        Assert.Equal(
            [("test", "/metadata/resourceVersion", "42"), ("add", "/webhooks/0/clientConfig/caBundle", Convert.ToBase64String(Encoding.UTF8.GetBytes(Ca)))],
            patch.RootElement.EnumerateArray().Select(o => (o.GetProperty("op").GetString(), o.GetProperty("path").GetString(), o.GetProperty("value").GetString())));
    }

    [Fact]
    public void NothingToWrite_WhenEveryWebhookOfTheServiceHoldsTheBundle()
    {
        var decision = CaBundlePatch.Decide(Configuration(Webhook("pkis.box.com", "controlplane", "controlplane-webhook", Encoding.UTF8.GetBytes(Ca))), Ca, "controlplane", "controlplane-webhook");

        Assert.Equal((1, null), (decision.Matching, decision.Patch));
    }

    [Fact]
    public void NoWebhookOfTheService_NothingWritten()
    {
        var decision = CaBundlePatch.Decide(Configuration(Webhook("x.example.com", "controlplane", "another", null), new V1ValidatingWebhook { Name = "url.example.com", ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = "https://x" } }), Ca, "controlplane", "controlplane-webhook");

        Assert.Equal((0, null), (decision.Matching, decision.Patch));
    }

    private static V1ValidatingWebhookConfiguration Configuration(params V1ValidatingWebhook[] webhooks) =>
        new() { Metadata = new V1ObjectMeta { Name = "box-controlplane", ResourceVersion = "42" }, Webhooks = webhooks };

    private static V1ValidatingWebhook Webhook(string name, string ns, string service, byte[]? caBundle) => new()
    {
        Name = name,
        ClientConfig = new Admissionregistrationv1WebhookClientConfig { Service = new Admissionregistrationv1ServiceReference { Name = service, NamespaceProperty = ns }, CaBundle = caBundle },
    };
}
