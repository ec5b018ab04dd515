using Box.K8sEventReporting.Admission;

namespace Box.K8sEventReporting.Tests.Admission;

public sealed class AdmissionWebhookOptionsValidatorTests
{
    private const string Allowed = "allowed: an absolute https URL without user information, query or fragment (the webhook's clientConfig.url), for example https://127.0.0.1:8443/validate-box-com-v1-pki.";
    private readonly AdmissionWebhookOptionsValidator _validator = new();

    [Fact]
    public void Defaults_Succeed_WithoutAUrl()
    {
        var options = new AdmissionWebhookOptions();

        Assert.Null(options.Url);
        Assert.True(_validator.Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("https://127.0.0.1:8443/validate-box-com-v1-pki")]
    [InlineData("https://[::1]:8443/validate-box-com-v1-pki")]
    [InlineData("https://webhook.example.com/validate-box-com-v1-pki")]
    [InlineData("https://localhost:8443/")]
    public void Url_AsTheApiServerAcceptsIt_Succeeds(string url) =>
        Assert.True(_validator.Validate(null, new AdmissionWebhookOptions { Url = new Uri(url) }).Succeeded);

    [Theory]
    [InlineData("/validate-box-com-v1-pki", "not an absolute URL")]
    [InlineData("http://127.0.0.1:8443/validate-box-com-v1-pki", "not https")]
    [InlineData("https://127.0.0.1:8443/validate-box-com-v1-pki?x=1", "it has a query")]
    [InlineData("https://127.0.0.1:8443/validate-box-com-v1-pki#top", "it has a fragment")]
    [InlineData("https://web_hook.example.com/validate", "its host is neither an IP address nor a DNS name")]
    public void Url_TheApiServerWouldRefuse_OneLineNamingTheKey(string url, string reason)
    {
        var result = _validator.Validate(null, new AdmissionWebhookOptions { Url = new Uri(url, UriKind.RelativeOrAbsolute) });

        Assert.Equal($"K8sEventReporting:Admission:Url is '{url}' ({reason}); {Allowed}", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Url_WithUserInformation_RefusedWithoutEchoingIt()
    {
        var result = _validator.Validate(null, new AdmissionWebhookOptions { Url = new Uri("https://admin:secret@127.0.0.1:8443/validate") });

        Assert.Equal($"K8sEventReporting:Admission:Url is 'https://127.0.0.1:8443/validate' (it has user information); {Allowed}", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_EveryBadSetting_OneLineEachNamingKeyValueAndWhatIsAllowed()
    {
        var result = _validator.Validate(null, new AdmissionWebhookOptions
        {
            Mode = (AdmissionMode)7,
            Port = 70000,
            Address = "*",
            ServiceName = "web.hook",
            ServiceNamespace = "Team A",
            WebhookConfigurationName = new string('w', 254),
            ValidationTimeout = TimeSpan.FromSeconds(30),
        });

        Assert.Equal(
            [
                "K8sEventReporting:Admission:Mode is 7; allowed: Warn, Deny.",
                "K8sEventReporting:Admission:Port is 70000; allowed: 0-65535.",
                "K8sEventReporting:Admission:Address is '*'; allowed: an IP address, for example 0.0.0.0.",
                "K8sEventReporting:Admission:ServiceName is 'web.hook'; allowed: a DNS label (lowercase letters, digits and '-', at most 63).",
                "K8sEventReporting:Admission:ServiceNamespace is 'Team A'; allowed: a namespace name, or empty for the pod's own.",
                "K8sEventReporting:Admission:WebhookConfigurationName is 254 characters long; allowed: at most 253 characters.",
                "K8sEventReporting:Admission:ValidationTimeout is 00:00:30; allowed: 00:00:00.010-00:00:29 (below the webhook's timeoutSeconds).",
            ],
            result.Failures);
    }
}
