using Box.K8sEventReporting.IntegrationTests.ApiServer;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing.ApiServer;
using static Box.K8sEventReporting.IntegrationTests.Controller.ClusterAssertions;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>Leader election against the cluster fixture (a Lease in the test's own namespace); fault tests stay in-process.</summary>
public sealed class LeaderElectionIntegrationTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{

    [Fact]
    public async Task LeaderStops_StandbyTakesOverWithinLeaseDuration_NeverTwoLeadersAndEveryReportOnTheServerOnce()
    {
        var ns = await fixture.CreateNamespaceAsync("lead");
        using var cluster = new ClusterAssertions(fixture);
        var allowed = new AllowedServiceNames("app1");
        var ledger = new ReportLedger();
        await using var a = await ControlPlaneReplica.StartAsync(fixture, [ns], allowed, "replica-a", leaderElection: true, ledger: ledger);
        await using var b = await ControlPlaneReplica.StartAsync(fixture, [ns], allowed, "replica-b", leaderElection: true, ledger: ledger);
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
        await cluster.CreatePkiAsync(ns, "bad", "unknown");
        await cluster.CreatePodAsync(ns, "bad-pod", "bad");
        await cluster.CreatePkiAsync(ns, "good", "app1");
        await EventuallyAsync(
            async () => (await cluster.EventsAsync(ns)).Any(e => e.InvolvedObject.Name == "bad-pod" && e.Reason == "ServiceNameNotAllowed"),
            "the leader reports the invalid Pki on its pod");
        await EventuallyAsync(() => cluster.SecretExistsAsync(ns, "good"), "the leader provisions the valid Pki");
        var standbyHealth = standby.Health.Check();

        await leader.StopAsync();
        await cluster.CreatePkiAsync(ns, "after-failover", "app1");

        await EventuallyAsync(() => Task.FromResult(standby.Health.Check().IsLeader), "the standby takes over", TimeSpan.FromSeconds(10));
        await EventuallyAsync(() => cluster.SecretExistsAsync(ns, "after-failover"), "the new leader provisions what came after");
        await sampling.CancelAsync();
        await sampler;
        Assert.True(standbyHealth.IsReady, standbyHealth.Description);
        Assert.False(standbyHealth.IsLeader);
        Assert.Equal(0, overlaps);
        Assert.DoesNotContain($"{ns}/good", standby.Provisioned);

        // The new leader reports the invalid Pki again with an empty correlator: its count continues the old leader's Event.
        await EventuallyAsync(() => Task.FromResult(standby.Validated.Contains("bad")), "the new leader revalidates the invalid Pki");
        await leader.StopAndFlushAsync();
        await standby.StopAndFlushAsync();
        Assert.Empty(ledger.Differences(await cluster.EventsAsync(ns), ns));
        fixture.InProcess(server => ControlPlaneRbac.AssertNoDenials(server, [ns, ControlPlaneReplica.LeaseNamespace]));
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Fails every Lease request for a while (ApiServerFaults).
    public async Task LeaderCannotRenew_StopsReconcilingAndStandbyTakesOver()
    {
        await using var server = await StartAsControlPlaneAsync();
        using var cluster = new ClusterAssertions(server);
        var ns = "team-a";
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
        await cluster.CreatePkiAsync(ns, "good", "app1");

        await EventuallyAsync(() => cluster.SecretExistsAsync(ns, "good"), "the new term reconciles");
        Assert.False(a.Health.Check().IsLeader && b.Health.Check().IsLeader);
        ControlPlaneRbac.AssertNoDenials(server);
    }

    [Fact]
    public async Task LeaseNamespaceMissing_NeverLeadsAndSaysWhyInAWarning()
    {
        var leaseTestNamespace = await fixture.CreateNamespaceAsync("lease");
        var logs = new WarningCollector();
        await using var replica = await ControlPlaneReplica.StartAsync(
            fixture, [leaseTestNamespace], new AllowedServiceNames("app1"), "replica-a", leaderElection: true, leaseNamespace: "no-such-namespace", logs: logs);

        await EventuallyAsync(
            () => Task.FromResult(logs.Messages.Any(m => m.Contains("could not write Lease 'no-such-namespace/", StringComparison.Ordinal))),
            "the replica logs why it cannot lead");

        var health = replica.Health.Check();
        Assert.False(health.IsLeader);
        // As the control plane's service account a Lease outside its namespace is forbidden before it is missing (403).
        Assert.Matches(@"\(HTTP 40[34]\)", logs.Messages.First(m => m.Contains("could not write Lease", StringComparison.Ordinal)));
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
