using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Tests.Controller;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Tests.Hosting;

public sealed class UnreachableApiServerTests
{
    [Fact]
    public async Task StartUp_ApiServerUnreachable_OneWarningPerRetryWithTheMessageOnly_AndReadinessSaysWhy()
    {
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["K8sEventReporting:Watcher:InitialBackoff"] = "00:00:00.010",
            ["K8sEventReporting:Watcher:MaxBackoff"] = "00:00:00.050",
        });
        builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug);

        // Port 1 on loopback: nothing listens, every request is refused at once.
        builder.Services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        builder.Services.AddK8sEventReporting(builder.Configuration.GetSection("K8sEventReporting"))
            .AddController<Widget>(c => c.AddReconciler((_, _) => ValueTask.FromResult(ReconcileResult.Done)));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var failures = await logs.WaitForAsync(e => e.EventId.Name == "ListFailed", count: 3, TimeSpan.FromSeconds(20));

            Assert.All(failures, f =>
            {
                Assert.Equal(LogLevel.Warning, f.Level);
                Assert.Null(f.Exception);
                Assert.Contains("Listing Widget in all namespaces failed: ", f.Message, StringComparison.Ordinal);
                Assert.Contains("(failing for ", f.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", f.Message, StringComparison.Ordinal);
            });
            Assert.Contains(logs.Entries, e => e.EventId.Name == "ListFailedDetail" && e.Level == LogLevel.Debug && e.Exception is not null);
            Assert.DoesNotContain(logs.Entries, e => e.Level > LogLevel.Debug && e.Exception is not null);
            var health = host.Services.GetRequiredService<IControllerHealth>().Check();
            Assert.False(health.IsReady);
            Assert.StartsWith("syncing caches: listing Widget in all namespaces has failed for ", health.Description, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
