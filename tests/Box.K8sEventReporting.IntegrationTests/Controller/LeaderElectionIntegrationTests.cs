using Box.K8sEventReporting.IntegrationTests.ApiServer;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing.ApiServer;
using static Box.K8sEventReporting.IntegrationTests.Controller.ClusterAssertions;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

public sealed class LeaderElectionIntegrationTests
{
    private const string Ns = "team-a";

    [Fact]
    public async Task LeaderStops_StandbyTakesOverWithinLeaseDuration_NeverTwoLeadersAndNoDuplicateEvents()
    {
        await using var server = await StartAsControlPlaneAsync();
        using var cluster = new ClusterAssertions(server);
        var allowed = new AllowedServiceNames("app1");
        await using var a = await ControlPlaneReplica.StartAsync(server, allowed, "replica-a", leaderElection: true, configuration: server.CreateClientConfiguration(ControlPlaneRbac.ServiceAccount));
        await using var b = await ControlPlaneReplica.StartAsync(server, allowed, "replica-b", leaderElection: true, configuration: server.CreateClientConfiguration(ControlPlaneRbac.ServiceAccount));
        using var sampling = new CancellationTokenSource();
        var overlaps = 0;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                if (a.Health.Check().IsLeader && b.Health.Check().IsLeader)
                {
                    Interlocked.Increment(ref overlaps);
                }

                await Task.Yield();
            }
        });
        await EventuallyAsync(() => Task.FromResult(a.Health.Check().IsLeader || b.Health.Check().IsLeader), "one replica leads");
        var (leader, standby) = a.Health.Check().IsLeader ? (a, b) : (b, a);
        await cluster.CreatePkiAsync(Ns, "bad", "unknown");
        await cluster.CreatePodAsync(Ns, "bad-pod", "bad");
        await cluster.CreatePkiAsync(Ns, "good", "app1");
        await EventuallyAsync(
            async () => (await cluster.EventsAsync(Ns)).Any(e => e.InvolvedObject.Name == "bad-pod" && e.Reason == "ServiceNameNotAllowed"),
            "the leader reports the invalid Pki on its pod");
        await EventuallyAsync(() => cluster.SecretExistsAsync(Ns, "good"), "the leader provisions the valid Pki");
        var standbyHealth = standby.Health.Check();

        await leader.StopAsync();
        await cluster.CreatePkiAsync(Ns, "after-failover", "app1");

        await EventuallyAsync(() => Task.FromResult(standby.Health.Check().IsLeader), "the standby takes over", TimeSpan.FromSeconds(10));
        await EventuallyAsync(() => cluster.SecretExistsAsync(Ns, "after-failover"), "the new leader provisions what came after");
        await sampling.CancelAsync();
        await sampler;
        Assert.True(standbyHealth.IsReady, standbyHealth.Description);
        Assert.False(standbyHealth.IsLeader);
        Assert.Equal(0, overlaps);
        Assert.DoesNotContain($"{Ns}/good", standby.Provisioned);
        var events = await cluster.EventsAsync(Ns);
        var duplicated = events
            .GroupBy(e => (e.InvolvedObject.Uid, e.Reason, e.Type, e.Message))
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Reason} on {g.First().InvolvedObject.Name} x{g.Count()}");
        Assert.Empty(duplicated);
        ControlPlaneRbac.AssertNoDenials(server);
    }

    [Fact]
    public async Task LeaderCannotRenew_StopsReconcilingAndStandbyTakesOver()
    {
        await using var server = await StartAsControlPlaneAsync();
        using var cluster = new ClusterAssertions(server);
        var allowed = new AllowedServiceNames("app1");
        await using var a = await ControlPlaneReplica.StartAsync(server, allowed, "replica-a", leaderElection: true, configuration: server.CreateClientConfiguration(ControlPlaneRbac.ServiceAccount));
        await EventuallyAsync(() => Task.FromResult(a.Health.Check().IsLeader), "the first replica leads");
        await using var b = await ControlPlaneReplica.StartAsync(server, allowed, "replica-b", leaderElection: true, configuration: server.CreateClientConfiguration(ControlPlaneRbac.ServiceAccount));
        await EventuallyAsync(() => Task.FromResult(b.Health.Check().IsReady), "the second replica is a ready standby");

        // Every lease request fails for a while: the leader cannot renew, so it must stop leading by its renew deadline.
        server.Faults.FailNext(1000, "/leases/", 500);
        await EventuallyAsync(() => Task.FromResult(!a.Health.Check().IsLeader), "the leader gives up", TimeSpan.FromSeconds(5));
        server.Faults.Reset();
        await EventuallyAsync(() => Task.FromResult(a.Health.Check().IsLeader || b.Health.Check().IsLeader), "someone leads again", TimeSpan.FromSeconds(10));
        await cluster.CreatePkiAsync(Ns, "good", "app1");

        await EventuallyAsync(() => cluster.SecretExistsAsync(Ns, "good"), "the new term reconciles");
        Assert.False(a.Health.Check().IsLeader && b.Health.Check().IsLeader);
        ControlPlaneRbac.AssertNoDenials(server);
    }

    [Fact]
    public async Task LeaseNamespaceMissing_NeverLeadsAndSaysWhyInAWarning()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        var logs = new WarningCollector();
        await using var replica = await ControlPlaneReplica.StartAsync(
            server, new AllowedServiceNames("app1"), "replica-a", leaderElection: true, leaseNamespace: "no-such-namespace", logs: logs);

        await EventuallyAsync(
            () => Task.FromResult(logs.Messages.Any(m => m.Contains("could not write Lease 'no-such-namespace/", StringComparison.Ordinal))),
            "the replica logs why it cannot lead");

        var health = replica.Health.Check();
        Assert.False(health.IsLeader);
        Assert.Contains("(HTTP 404)", logs.Messages.First(m => m.Contains("could not write Lease", StringComparison.Ordinal)));
    }

    /// <summary>A server enforcing RBAC with the control plane's ServiceAccount, Roles and bindings from config.yml.</summary>
    private static async Task<InProcessApiServer> StartAsControlPlaneAsync()
    {
        var server = await ApiServerTestHelpers.StartWithPkiAsync(new InProcessApiServerOptions { EnforceRbac = true });
        using var admin = server.CreateClient();
        await ControlPlaneRbac.ApplyAsync(admin);
        return server;
    }

    private sealed class WarningCollector : Microsoft.Extensions.Logging.ILoggerProvider, Microsoft.Extensions.Logging.ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Messages.Enqueue(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
