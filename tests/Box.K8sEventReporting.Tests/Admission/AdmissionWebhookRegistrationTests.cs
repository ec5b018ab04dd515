using Box.K8sEventReporting.Admission;
using Box.K8sEventReporting.Tests.Controller;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Tests.Admission;

public sealed class AdmissionWebhookRegistrationTests
{
    [Fact]
    public void AddAdmissionWebhook_CodeAndConfiguration_WhatTheCodeSetsWins()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Admission:Mode"] = "Warn",
            ["Admission:Port"] = "9443",
        }).Build();

        services.AddK8sEventReporting(configuration).AddController<Widget>(w => w.AddAdmissionWebhook(o => o.Mode = AdmissionMode.Deny));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<AdmissionWebhookOptions>>().Value;

        Assert.Equal(AdmissionMode.Deny, options.Mode);   // set in code, over the configuration's Warn
        Assert.Equal(9443, options.Port);                 // set only in the configuration
    }

    [Theory]
    [InlineData("https://127.0.0.1:8443/validate-box-com-v1-pki", "https://127.0.0.1:8443/validate-box-com-v1-pki")]
    [InlineData("", null)]
    public void AddAdmissionWebhook_Url_BoundFromConfiguration(string configured, string? expected)
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Admission:Url"] = configured }).Build();

        services.AddK8sEventReporting(configuration).AddController<Widget>(w => w.AddAdmissionWebhook());
        using var provider = services.BuildServiceProvider();

        Assert.Equal(expected, provider.GetRequiredService<IOptions<AdmissionWebhookOptions>>().Value.Url?.OriginalString);
    }

    [Fact]
    public void AddAdmissionWebhook_UrlTheApiServerWouldRefuse_OneFailureNamingTheKey()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Admission:Url"] = "http://127.0.0.1:8443/validate" }).Build();

        services.AddK8sEventReporting(configuration).AddController<Widget>(w => w.AddAdmissionWebhook());
        using var provider = services.BuildServiceProvider();

        var failed = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AdmissionWebhookOptions>>().Value);
        Assert.StartsWith("K8sEventReporting:Admission:Url is 'http://127.0.0.1:8443/validate' (not https); allowed: ", Assert.Single(failed.Failures), StringComparison.Ordinal);
    }
}
