using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Tests.Controller;
using Box.K8sEventReporting.Validation;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Tests.Hosting;

/// <summary>
/// A README-style <c>Program.cs</c> (<c>await builder.Build().RunAsync();</c>) with a bad setting: one critical line naming
/// it, exit code 1, no exception out of <c>RunAsync</c> and no stack trace. Exit code and KUBECONFIG are process-wide, so
/// these run alone.
/// </summary>
[Collection(StartupConfigurationErrorTests.Name)]
public sealed class StartupConfigurationErrorTests
{
    public const string Name = "Process-wide exit code and environment";

    [Theory]
    [InlineData("Range", "K8sEventReporting:Controller:Workers=0", "K8sEventReporting:Controller:Workers", "(was 0)")]
    [InlineData("Type conversion", "K8sEventReporting:Controller:Workers=abc", "K8sEventReporting:Controller:Workers must be a whole number (was 'abc')", "")]
    [InlineData("Enum", "K8sEventReporting:Events:ApiVersion=v2", "K8sEventReporting:Events:ApiVersion must be one of CoreV1, EventsV1, Automatic (was 'v2')", "")]
    [InlineData("Duration", "K8sEventReporting:LeaderElection:LeaseDuration=soon", "K8sEventReporting:LeaderElection:LeaseDuration must be a duration", "(was 'soon')")]
    public async Task RunAsync_BadSetting_OneCriticalLineNamingIt_ExitCode1(string what, string setting, string expected, string value)
    {
        var (exitCode, logs) = await RunReadmeStyleAppAsync("--" + setting);

        var critical = Assert.Single(logs.Entries, e => e.Level == LogLevel.Critical);
        Assert.StartsWith("Cannot start: ", critical.Message, StringComparison.Ordinal);
        Assert.Contains(expected, critical.Message, StringComparison.Ordinal);
        Assert.Contains(value, critical.Message, StringComparison.Ordinal);
        Assert.Equal(1, exitCode);
        AssertNoStackTrace(logs, what);
    }

    [Fact]
    public async Task RunAsync_SeveralBadSettings_OneLineNamingEach()
    {
        var (exitCode, logs) = await RunReadmeStyleAppAsync(
            "--K8sEventReporting:Controller:Workers=abc",
            "--K8sEventReporting:Events:SpamFilterBurst=0",
            "--K8sEventReporting:LeaderElection:LeaseDuration=soon");

        var critical = Assert.Single(logs.Entries, e => e.Level == LogLevel.Critical);
        Assert.Contains("K8sEventReporting:Controller:Workers must be a whole number (was 'abc')", critical.Message, StringComparison.Ordinal);
        Assert.Contains("K8sEventReporting:Events:SpamFilterBurst", critical.Message, StringComparison.Ordinal);
        Assert.Contains("K8sEventReporting:LeaderElection:LeaseDuration must be a duration", critical.Message, StringComparison.Ordinal);
        Assert.Equal(1, exitCode);
        AssertNoStackTrace(logs, "several");
    }

    [Theory]
    [InlineData("malformed", "clusters: [\n  - name: : :\n\tbad")]
    [InlineData("directory", null)]
    public async Task RunAsync_KubeconfigUnusable_OneLineNamingTheFile(string what, string? content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        if (content is null)
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            await File.WriteAllTextAsync(path, content);
        }

        var previous = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("KUBECONFIG", path);
        try
        {
            var (exitCode, logs) = await RunReadmeStyleAppAsync(registerClient: false);

            var critical = Assert.Single(logs.Entries, e => e.Level == LogLevel.Critical);
            Assert.Contains($"the kubeconfig '{path}' (from KUBECONFIG)", critical.Message, StringComparison.Ordinal);
            Assert.Contains(content is null ? "is a directory" : "cannot be used", critical.Message, StringComparison.Ordinal);
            Assert.Equal(1, exitCode);
            AssertNoStackTrace(logs, what);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", previous);
            if (content is null)
            {
                Directory.Delete(path);
            }
            else
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public async Task RunAsync_ValidSettings_DoesNotFailTheStart()
    {
        var logs = new CapturingLoggerProvider();
        using var host = Build(logs, registerClient: true, []);
        var exitCode = Environment.ExitCode;
        try
        {
            await host.StartAsync();

            Assert.DoesNotContain(logs.Entries, e => e.Level == LogLevel.Critical);
            Assert.Null(host.Services.GetRequiredService<StartupCheck>().Problem);
            Assert.Equal(exitCode, Environment.ExitCode);
            await host.StopAsync();
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    [Fact]
    public async Task RunAsync_BadSetting_TheCriticalLineIsTheLastWord_NoApplicationStartedAfterIt()
    {
        // The host's own status lines at Information, as a new application logs them (the sample's appsettings.json here says Warning).
        var (exitCode, logs) = await RunReadmeStyleAppAsync("--K8sEventReporting:Controller:Workers=0", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information");

        Assert.Equal(1, exitCode);
        var entries = logs.Entries.ToArray();
        var critical = Array.FindIndex(entries, e => e.Level == LogLevel.Critical);
        Assert.True(critical >= 0, "no critical line");
        Assert.DoesNotContain(entries[critical..], e => e.Message.StartsWith("Application started", StringComparison.Ordinal));
        Assert.DoesNotContain(entries[critical..], e => e.Message.StartsWith("Application is shutting down", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Health", "cannot serve health probes on http://127.0.0.1:{0}/", "--K8sEventReporting:Health:Enabled=true")]
    [InlineData("Admission", "cannot serve the admission webhook on 127.0.0.1:{0}", "--Webhook=true")]
    public async Task RunAsync_PortTaken_TheCriticalLineIsTheLastWord_ExitCode1(string section, string expected, string enable)
    {
        // A failure while the hosted services start (after the start-up check passed): the port is taken by another listener.
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        var (exitCode, logs) = await RunReadmeStyleAppAsync(
            enable,
            $"--K8sEventReporting:{section}:Address=127.0.0.1",
            $"--K8sEventReporting:{section}:Port={port}",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information");

        Assert.Equal(1, exitCode);
        var entries = logs.Entries.ToArray();
        var critical = Array.FindIndex(entries, e => e.Level == LogLevel.Critical);
        Assert.True(critical >= 0, "no critical line");
        Assert.Contains(string.Format(CultureInfo.InvariantCulture, expected, port), entries[critical].Message, StringComparison.Ordinal);
        Assert.Single(entries, e => e.Level == LogLevel.Critical);
        Assert.DoesNotContain(entries[critical..], e => e.Message.StartsWith("Application started", StringComparison.Ordinal));
        Assert.DoesNotContain(entries[critical..], e => e.Message.StartsWith("Application is shutting down", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("K8sEventReporting:Controller:Worker=4", "K8sEventReporting:Controller:Worker", "K8sEventReporting:Controller:Workers")]
    [InlineData("K8sEventReporting:Controler:Workers=4", "K8sEventReporting:Controler", "K8sEventReporting:Controller")]
    [InlineData("K8sEventReporting:Watcher:PageSise=100", "K8sEventReporting:Watcher:PageSise", "K8sEventReporting:Watcher:PageSize")]
    public async Task StartAsync_UnknownSetting_OneWarningNamingItAndTheClosestKey_StartsAnyway(string setting, string key, string closest)
    {
        var logs = new CapturingLoggerProvider();
        using var host = Build(logs, registerClient: true, ["--" + setting, "--K8sEventReporting:Watcher:Namespaces:0=team-a"]);
        var exitCode = Environment.ExitCode;
        try
        {
            await host.StartAsync();
            await host.StopAsync();

            var warning = Assert.Single(logs.Entries, e => e.EventId.Name == "UnknownSetting" && e.Message.Contains($"'{key}'", StringComparison.Ordinal));
            Assert.Equal(LogLevel.Warning, warning.Level);
            Assert.StartsWith($"Unknown setting '{key}'", warning.Message, StringComparison.Ordinal);
            Assert.EndsWith($"did you mean '{closest}'?", warning.Message, StringComparison.Ordinal);
            Assert.Null(host.Services.GetRequiredService<StartupCheck>().Problem);
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    private static async Task<(int ExitCode, CapturingLoggerProvider Logs)> RunReadmeStyleAppAsync(params string[] args) =>
        await RunReadmeStyleAppAsync(registerClient: true, args);

    private static async Task<(int ExitCode, CapturingLoggerProvider Logs)> RunReadmeStyleAppAsync(bool registerClient, params string[] args)
    {
        var logs = new CapturingLoggerProvider();
        var previous = Environment.ExitCode;
        Environment.ExitCode = 0;
        try
        {
            using var host = Build(logs, registerClient, args);

            // What a README-style Program.cs does; it must return, not throw, and not hang.
            await host.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (Environment.ExitCode, logs);
        }
        finally
        {
            Environment.ExitCode = previous;
        }
    }

    private static IHost Build(CapturingLoggerProvider logs, bool registerClient, string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        if (registerClient)
        {
            builder.Services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        }

        var webhook = builder.Configuration.GetValue<bool>("Webhook");
        builder.Services.AddK8sEventReporting(builder.Configuration.GetSection("K8sEventReporting"))
            .AddController<Widget>(c =>
            {
                c.AddReconciler((_, _) => ValueTask.FromResult(ReconcileResult.Done));
                if (webhook)
                {
                    c.AddValidator((_, _) => ValueTask.FromResult(ValidationResult.Success)).AddAdmissionWebhook();
                }
            });
        return builder.Build();
    }

    private static void AssertNoStackTrace(CapturingLoggerProvider logs, string what)
    {
        // The exception (and its stack) is kept at Debug for whoever turns that on; nothing above Debug carries one.
        Assert.DoesNotContain(logs.Entries, e => e.Level > LogLevel.Debug && (e.Exception is not null || e.Message.Contains("   at ", StringComparison.Ordinal)));
        Assert.True(logs.Entries.Count(e => e.Level >= LogLevel.Error) == 1, what + ": " + string.Join(" | ", logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message)));
    }
}

[CollectionDefinition(StartupConfigurationErrorTests.Name, DisableParallelization = true)]
public sealed class StartupConfigurationErrorCollection;
