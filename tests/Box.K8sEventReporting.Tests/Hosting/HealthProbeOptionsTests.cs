using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Tests.Hosting;

public sealed class HealthProbeOptionsTests
{
    [Fact]
    public void HealthProbeOptions_Defaults_AreOffOnPort8081OnEveryInterface()
    {
        var options = new HealthProbeOptions();

        Assert.False(options.Enabled);
        Assert.Equal(8081, options.Port);
        Assert.Equal("*", options.Address);
        Assert.Equal("/readyz", HealthProbeOptions.ReadinessPath);
        Assert.Equal("/livez", HealthProbeOptions.LivenessPath);
        options.Enabled = true;
        Assert.True(new HealthProbeOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void Validate_PortOutOfRange_NamesValueRangeAndKey(int port)
    {
        var options = new HealthProbeOptions { Enabled = true, Port = port };

        var result = new HealthProbeOptionsValidator().Validate(null, options);

        Assert.Equal(
            $"HealthProbeOptions.Port must be 1–65535 (was {port}); set K8sEventReporting:Health:Port.",
            Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_EmptyAddress_IsNamedWithTheKey()
    {
        var options = new HealthProbeOptions { Enabled = true, Address = " " };

        var result = new HealthProbeOptionsValidator().Validate(null, options);

        Assert.Equal(
            "HealthProbeOptions.Address must be '*' (every interface), a host name or an IP address (was ' '); set K8sEventReporting:Health:Address.",
            Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_Disabled_SkipsBadSettings()
    {
        var result = new HealthProbeOptionsValidator().Validate(null, new HealthProbeOptions { Port = 0 });

        Assert.True(result.Skipped);
    }

    [Fact]
    public void AddK8sEventReporting_HealthSectionWithBadPort_FailsAtStartValidation()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["K8sEventReporting:Health:Enabled"] = "true",
            ["K8sEventReporting:Health:Port"] = "70000",
        }).Build();
        var services = new ServiceCollection();
        services.AddK8sEventReporting(configuration.GetSection("K8sEventReporting"));
        using var provider = services.BuildServiceProvider();

        var problem = provider.GetRequiredService<StartupCheck>().Run();

        Assert.Contains("HealthProbeOptions.Port must be 1–65535 (was 70000); set K8sEventReporting:Health:Port.", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHealthProbes_WithoutConfiguration_EnablesWithTheGivenPort()
    {
        var services = new ServiceCollection();
        services.AddK8sEventReporting().AddHealthProbes(o => o.Port = 9440);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<HealthProbeOptions>>().Value;

        Assert.True(options.Enabled);
        Assert.Equal(9440, options.Port);
    }

    [Theory]
    [InlineData("/readyz", true, false, 200, "ok: leading as 'a'\n")]
    [InlineData("/readyz", false, true, 503, "failing: leading as 'a'\n")]
    [InlineData("/livez", false, true, 200, "ok: leading as 'a'\n")]
    [InlineData("/livez", true, false, 503, "failing: leading as 'a'\n")]
    [InlineData("/", true, true, 404, "not found: probe /readyz or /livez\n")]
    [InlineData("/readyz/", true, true, 404, "not found: probe /readyz or /livez\n")]
    public async Task Answer_PathAndReport_StatusAndBody(string path, bool isReady, bool isLive, int statusCode, string body)
    {
        var health = new StubControllerHealth(new ControllerHealthReport(isReady, isLive, IsLeader: true, "leading as 'a'"));
        var services = new ServiceCollection().AddSingleton<IControllerHealth>(health);
        services.AddK8sEventReporting();
        await using var provider = services.BuildServiceProvider();

        var answer = await HealthProbeHostedService.AnswerAsync(provider, path, CancellationToken.None);

        Assert.Equal((statusCode, body), answer);
    }
}
