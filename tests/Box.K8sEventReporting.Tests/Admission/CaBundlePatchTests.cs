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

    [Fact]
    public void Url_PatchesOnlyTheWebhooksWithThatUrl()
    {
        var configuration = Configuration(
            UrlWebhook("pkis.box.com", "https://127.0.0.1:8443/validate-box-com-v1-pki"),
            UrlWebhook("other-path.box.com", "https://127.0.0.1:8443/validate-box-com-v1-other"),
            UrlWebhook("other-port.box.com", "https://127.0.0.1:9443/validate-box-com-v1-pki"),
            Webhook("service.box.com", "controlplane", "controlplane-webhook", null));

        var decision = CaBundlePatch.Decide(configuration, Ca, WebhookAddress.ForUrl(new Uri("https://127.0.0.1:8443/validate-box-com-v1-pki"), ["/validate-box-com-v1-pki"]));

        Assert.Equal(1, decision.Matching);
        Assert.Equal(["/metadata/resourceVersion", "/webhooks/0/clientConfig/caBundle"], PatchedPaths(decision));
    }

    [Fact]
    public void Url_ComparedAsAUrl_HostCaseAndTheDefaultPortDoNotMatter()
    {
        var configuration = Configuration(UrlWebhook("pkis.box.com", "https://Webhook.Example.com:443/validate-box-com-v1-pki"));

        var decision = CaBundlePatch.Decide(configuration, Ca, WebhookAddress.ForUrl(new Uri("https://webhook.example.com/validate-box-com-v1-pki"), []));

        Assert.Equal(1, decision.Matching);
    }

    [Fact]
    public void UrlWithPathSlash_IsTheBaseOfEveryServedPath()
    {
        var configuration = Configuration(
            UrlWebhook("pkis.box.com", "https://127.0.0.1:8443/validate-box-com-v1-pki"),
            UrlWebhook("certs.box.com", "https://127.0.0.1:8443/validate-box-com-v1-cert"),
            UrlWebhook("unknown.box.com", "https://127.0.0.1:8443/validate-apps-v1-deployment"));

        var decision = CaBundlePatch.Decide(configuration, Ca, WebhookAddress.ForUrl(new Uri("https://127.0.0.1:8443"), ["/validate-box-com-v1-pki", "/validate-box-com-v1-cert"]));

        Assert.Equal(2, decision.Matching);
        Assert.Equal(["/metadata/resourceVersion", "/webhooks/0/clientConfig/caBundle", "/webhooks/1/clientConfig/caBundle"], PatchedPaths(decision));
    }

    [Fact]
    public void Service_NeverMatchesAUrlWebhook()
    {
        var decision = CaBundlePatch.Decide(Configuration(UrlWebhook("pkis.box.com", "https://controlplane-webhook.controlplane.svc/validate-box-com-v1-pki")), Ca, "controlplane", "controlplane-webhook");

        Assert.Equal((0, null), (decision.Matching, decision.Patch));
    }

    [Theory]
    [InlineData("https://127.0.0.1:8443/validate", "127.0.0.1", "", "127.0.0.1")]
    [InlineData("https://[::1]:8443/validate", "::1", "", "::1")]
    [InlineData("https://Webhook.Example.com/validate", "webhook.example.com", "webhook.example.com", "")]
    public void Url_TheCertificateNamesTheHost(string url, string commonName, string dnsName, string ipAddress)
    {
        var address = WebhookAddress.ForUrl(new Uri(url), []);

        Assert.Equal(commonName, address.CommonName);
        Assert.Equal(dnsName.Length == 0 ? [] : [dnsName], address.DnsNames);
        Assert.Equal(ipAddress.Length == 0 ? [] : [System.Net.IPAddress.Parse(ipAddress)], address.IpAddresses);
    }

    [Fact]
    public void Url_AHostLongerThanACommonName_TheFirstLabelIsTheCommonName()
    {
        var host = "webhook." + string.Join('.', Enumerable.Repeat("abcdefghij", 7)) + ".example";

        var address = WebhookAddress.ForUrl(new Uri($"https://{host}/validate"), []);

        Assert.Equal("webhook", address.CommonName);
        Assert.Equal([host], address.DnsNames);
    }

    private static string[] PatchedPaths(CaBundlePatch.Decision decision)
    {
        using var patch = JsonDocument.Parse(decision.Patch!);
        return patch.RootElement.EnumerateArray().Select(o => o.GetProperty("path").GetString()!).ToArray();
    }

    private static V1ValidatingWebhook UrlWebhook(string name, string url) => new()
    {
        Name = name,
        ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = url },
    };

    private static V1ValidatingWebhookConfiguration Configuration(params V1ValidatingWebhook[] webhooks) =>
        new() { Metadata = new V1ObjectMeta { Name = "box-controlplane", ResourceVersion = "42" }, Webhooks = webhooks };

    private static V1ValidatingWebhook Webhook(string name, string ns, string service, byte[]? caBundle) => new()
    {
        Name = name,
        ClientConfig = new Admissionregistrationv1WebhookClientConfig { Service = new Admissionregistrationv1ServiceReference { Name = service, NamespaceProperty = ns }, CaBundle = caBundle },
    };
}
