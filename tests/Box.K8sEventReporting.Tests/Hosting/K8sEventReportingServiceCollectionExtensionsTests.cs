using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Tests.Controller;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Tests.Hosting;

public sealed class K8sEventReportingServiceCollectionExtensionsTests
{
    [Fact]
    public void AddK8sEventReporting_CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().Build();

        services.AddK8sEventReporting(configuration).AddController<Widget>();
        services.AddK8sEventReporting(configuration).AddController<Widget>();

        // The controllers' service and the health probe service (a no-op unless K8sEventReporting:Health:Enabled).
        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(IHostedService)));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(HealthProbeHostedService));
        Assert.Single(services, d => d.ServiceType == typeof(IControllerRunner));
        Assert.Single(services, d => d.ServiceType == typeof(IControllerHealth));
    }

    [Theory]
    [InlineData(null, "controlplane")]
    [InlineData("pki-operator", "pki-operator")]
    public async Task Owns_RestrictsTheChildWatchToTheManagedByLabelThatItsWriterStamps(string? managedBy, string expected)
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Controller:ManagedBy"] = managedBy,
            ["Events:ReportingComponent"] = "controlplane",
            ["Watcher:LabelSelector"] = "tier=backend",
        }).Build();
        services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));   // never called

        services.AddK8sEventReporting(configuration).AddController<Widget>(c => c.Owns<k8s.Models.V1Secret>());
        await using var provider = services.BuildServiceProvider();

        var watch = provider.GetRequiredService<IOptionsMonitor<CustomResourceWatcherOptions>>().Get(WatcherRegistration.OptionsName<k8s.Models.V1Secret>());
        var primary = provider.GetRequiredService<IOptionsMonitor<CustomResourceWatcherOptions>>().Get(WatcherRegistration.OptionsName<Widget>());
        Assert.Equal($"tier=backend,app.kubernetes.io/managed-by={expected}", watch.LabelSelector);
        Assert.Equal("tier=backend", primary.LabelSelector);
        Assert.Equal(expected, provider.GetRequiredService<OwnedChildWriter<k8s.Models.V1Secret>>().ManagedBy);
    }

    [Fact]
    public void AddK8sEventReporting_Configuration_BindsControllerAndLeaderElectionOptions()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Controller:Workers"] = "7",
            ["Controller:RevalidationInterval"] = "00:01:00",
            ["LeaderElection:Enabled"] = "true",
            ["LeaderElection:LeaseName"] = "pki-controller",
        }).Build();

        services.AddK8sEventReporting(configuration);
        using var provider = services.BuildServiceProvider();

        var controller = provider.GetRequiredService<IOptions<ControllerOptions>>().Value;
        var election = provider.GetRequiredService<IOptions<LeaderElectionOptions>>().Value;
        Assert.Equal(7, controller.Workers);
        Assert.Equal(TimeSpan.FromMinutes(1), controller.RevalidationInterval);
        Assert.True(election.Enabled);
        Assert.Equal("pki-controller", election.LeaseName);
    }

    [Fact]
    public void ReportingComponent_DefaultsToTheApplicationName_AndConfigurationWins()
    {
        static string Component(Dictionary<string, string?> settings)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "Acme.Database Operator" });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddK8sEventReporting(builder.Configuration.GetSection("K8sEventReporting"));
            using var host = builder.Build();
            return host.Services.GetRequiredService<IOptions<Box.K8sEventReporting.Reporting.EventReporterOptions>>().Value.ReportingComponent;
        }

        Assert.Equal("acme.database-operator", Component([]));
        Assert.Equal("box.com/db", Component(new() { ["K8sEventReporting:Events:ReportingComponent"] = "box.com/db" }));
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_FailsNamingEverySettingAndItsKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Controller:Workers"] = "0",
            ["Controller:RevalidationInterval"] = "00:00:00",
            ["LeaderElection:Enabled"] = "true",
            ["LeaderElection:RenewDeadline"] = "00:01:00",
        }).Build();
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        builder.Services.AddK8sEventReporting(configuration);
        using var host = builder.Build();

        var error = await StartFailureAsync(host, logs);

        Assert.Contains("ControllerOptions.Workers must be 1–64 (was 0); set K8sEventReporting:Controller:Workers.", error);
        Assert.Contains("ControllerOptions.RevalidationInterval must be 00:00:01–1.00:00:00 (was 00:00:00)", error);
    }

    /// <summary>Starts a host whose configuration is bad: it must not throw, log one critical line and stop itself.</summary>
    private static async Task<string> StartFailureAsync(IHost host, CapturingLoggerProvider logs)
    {
        var exitCode = Environment.ExitCode;
        try
        {
            await host.StartAsync();
            await host.WaitForShutdownAsync().WaitAsync(TimeSpan.FromSeconds(10));
            return Assert.Single(logs.Entries, e => e.Level == LogLevel.Critical).Message;
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    [Fact]
    public async Task StartAsync_LeaderElectionRenewDeadlineNotBelowLeaseDuration_Fails()
    {
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        builder.Services.AddK8sEventReporting().ConfigureLeaderElection(o =>
        {
            o.Enabled = true;
            o.RenewDeadline = TimeSpan.FromMinutes(1);
        });
        using var host = builder.Build();

        var error = await StartFailureAsync(host, logs);

        Assert.Contains("LeaderElectionOptions.RenewDeadline must be more than RetryPeriod", error);
        Assert.Contains("K8sEventReporting:LeaderElection:RenewDeadline", error);
    }

    [Fact]
    public async Task StartAsync_NoClusterConfiguration_LogsOneClearLineAndStopsTheHost()
    {
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<IKubernetes>(_ => throw new InvalidOperationException("no Kubernetes cluster configuration: test."));
        builder.Services.AddK8sEventReporting().AddController<Widget>();
        using var host = builder.Build();
        var exitCode = Environment.ExitCode;

        try
        {
            await host.StartAsync();
            await host.WaitForShutdownAsync().WaitAsync(TimeSpan.FromSeconds(10));

            var critical = Assert.Single(logs.Entries, e => e.Level == LogLevel.Critical);
            Assert.Equal("Cannot start: no Kubernetes cluster configuration: test.", critical.Message);
            Assert.Null(critical.Exception);
            Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error && e.Exception is not null);
            Assert.False(host.Services.GetRequiredService<IControllerHealth>().Check().IsReady);
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    [Fact]
    public async Task Host_ControllerWithFakeWatcher_ReconcilesAndReportsHealth()
    {
        var watcher = new FakeWatcher<Widget>();
        var reconciled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        builder.Services.AddSingleton<ICustomResourceWatcher<Widget>>(watcher);
        var reports = new RecordingReconcileReporter();   // what the controller reports, without an API server
        builder.Services.AddSingleton<IEventRecorder>(reports);
        builder.Services.AddSingleton<IResourceConditionWriter>(reports);
        builder.Services.AddK8sEventReporting().AddController<Widget>(c => c
            .AddValidator((w, _) => ValueTask.FromResult(ValidationResult.Success))
            .AddReconciler((w, _) =>
            {
                reconciled.TrySetResult(w.Metadata.Name);
                return ValueTask.FromResult(ReconcileResult.Done);
            }));
        using var host = builder.Build();
        watcher.SetQuietly(Widget.Create("a"));

        await host.StartAsync();

        Assert.Equal("a", await reconciled.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        var health = host.Services.GetRequiredService<IControllerHealth>().Check();
        Assert.True(health.IsReady, health.Description);
        Assert.True(health.IsLive);
        Assert.True(health.IsLeader);
        await host.StopAsync();
    }

    [Fact]
    public async Task RevalidateOnChangeOf_OptionsReloaded_RevalidatesEveryResource()
    {
        var watcher = new FakeWatcher<Widget>();
        var validations = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var allowed = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Names"] = "a" }).Build();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        builder.Services.AddSingleton<ICustomResourceWatcher<Widget>>(watcher);
        var reports = new RecordingReconcileReporter();   // what the controller reports, without an API server
        builder.Services.AddSingleton<IEventRecorder>(reports);
        builder.Services.AddSingleton<IResourceConditionWriter>(reports);
        builder.Services.Configure<AllowedNames>(allowed);
        builder.Services.AddK8sEventReporting().AddController<Widget>(c => c
            .AddValidator((w, _) =>
            {
                validations.Enqueue(w.Metadata.Name);
                return ValueTask.FromResult(ValidationResult.Success);
            })
            .RevalidateOnChangeOf<AllowedNames>());
        using var host = builder.Build();
        watcher.SetQuietly(Widget.Create("a"));
        watcher.SetQuietly(Widget.Create("b"));
        await host.StartAsync();
        await Eventually.TrueAsync(() => validations.Count >= 2, "both widgets are validated once");
        var before = validations.Count;

        allowed["Names"] = "a,b";
        allowed.Reload();

        await Eventually.TrueAsync(
            () => validations.Skip(before).Distinct().Count() == 2,
            "both widgets are validated again after the options changed");
        await host.StopAsync();
    }

    private sealed class AllowedNames
    {
        public string? Names { get; set; }
    }
}
