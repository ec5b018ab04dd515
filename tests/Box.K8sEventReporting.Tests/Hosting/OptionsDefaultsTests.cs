using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Hosting;

namespace Box.K8sEventReporting.Tests.Hosting;

public sealed class OptionsDefaultsTests
{
    [Fact]
    public void ControllerOptions_Defaults_AreClientGosAndTheDocumentedOnes()
    {
        var options = new ControllerOptions();

        Assert.Equal(2, options.Workers);
        Assert.Equal(TimeSpan.FromMinutes(5), options.RevalidationInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(1000), options.RetryMaxDelay);
        Assert.Equal(10, options.RetryRatePerSecond);
        Assert.Equal(100, options.RetryBurst);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.StallTimeout);
        Assert.True(new ControllerOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void LeaderElectionOptions_Defaults_AreOffWithClientGosTimings()
    {
        var options = new LeaderElectionOptions();

        Assert.False(options.Enabled);
        Assert.Equal("box-k8s-event-reporting", options.LeaseName);
        Assert.Null(options.LeaseNamespace);
        Assert.Null(options.Identity);
        Assert.Equal(TimeSpan.FromSeconds(15), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RenewDeadline);
        Assert.Equal(TimeSpan.FromSeconds(2), options.RetryPeriod);
        options.Enabled = true;
        Assert.True(new LeaderElectionOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void ControllerOptionsValidator_EveryBadSetting_IsNamedWithValueRangeAndKey()
    {
        var options = new ControllerOptions { Workers = 65, RetryBurst = 0, RetryMaxDelay = TimeSpan.FromMilliseconds(1) };

        var result = new ControllerOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "ControllerOptions.Workers must be 1–64 (was 65); set K8sEventReporting:Controller:Workers.",
                "ControllerOptions.RetryMaxDelay must be 00:00:00.0050000–1.00:00:00 (was 00:00:00.0010000); set K8sEventReporting:Controller:RetryMaxDelay.",
                "ControllerOptions.RetryBurst must be 1–100000 (was 0); set K8sEventReporting:Controller:RetryBurst.",
            ],
            result.Failures);
    }

    [Fact]
    public void ResolveIdentity_IdentitySet_IsUsedAsIs()
    {
        Assert.Equal("controlplane-7d9f", LeaseLeaderElection.ResolveIdentity(new LeaderElectionOptions { Identity = "controlplane-7d9f" }));
    }
}
