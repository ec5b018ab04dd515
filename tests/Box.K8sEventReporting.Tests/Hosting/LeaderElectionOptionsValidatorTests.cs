using Box.K8sEventReporting.Hosting;

namespace Box.K8sEventReporting.Tests.Hosting;

public sealed class LeaderElectionOptionsValidatorTests
{
    private readonly LeaderElectionOptionsValidator _validator = new();

    [Fact]
    public void Validate_Disabled_SkipsBadSettings()
    {
        var result = _validator.Validate(null, new LeaderElectionOptions { LeaseDuration = TimeSpan.Zero, LeaseName = " " });

        Assert.True(result.Skipped);
    }

    [Fact]
    public void Validate_RenewDeadlineNotBetweenRetryPeriodAndLeaseDuration_OneLineNamingBothAndTheKey()
    {
        var result = _validator.Validate(null, new LeaderElectionOptions { Enabled = true, RenewDeadline = TimeSpan.FromSeconds(20) });

        Assert.Equal(
            "LeaderElectionOptions.RenewDeadline must be more than RetryPeriod (00:00:02) and less than LeaseDuration (00:00:15) (was 00:00:20); set K8sEventReporting:LeaderElection:RenewDeadline.",
            Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_EveryBadSetting_OneLineEachInDeclarationOrder()
    {
        var result = _validator.Validate(null, new LeaderElectionOptions { Enabled = true, LeaseName = string.Empty, RetryPeriod = TimeSpan.FromMinutes(2) });

        Assert.Equal(
            [
                "LeaderElectionOptions.LeaseName must be 1–253 characters (was ''); set K8sEventReporting:LeaderElection:LeaseName.",
                "LeaderElectionOptions.RenewDeadline must be more than RetryPeriod (00:02:00) and less than LeaseDuration (00:00:15) (was 00:00:10); set K8sEventReporting:LeaderElection:RenewDeadline.",
                "LeaderElectionOptions.RetryPeriod must be 00:00:00.1000000–00:01:00 (was 00:02:00); set K8sEventReporting:LeaderElection:RetryPeriod.",
            ],
            result.Failures);
    }
}
