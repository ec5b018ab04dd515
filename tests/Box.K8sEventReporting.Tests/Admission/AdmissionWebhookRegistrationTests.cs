using Box.K8sEventReporting.Admission;
using Box.K8sEventReporting.Hosting;
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
}
