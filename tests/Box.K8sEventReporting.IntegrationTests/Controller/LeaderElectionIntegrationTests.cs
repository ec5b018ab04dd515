using Box.K8sEventReporting.IntegrationTests.ApiServer;
using static Box.K8sEventReporting.IntegrationTests.Controller.ClusterAssertions;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

public sealed class LeaderElectionIntegrationTests
{
    private const string Ns = "team-a";

    [Fact]
    public async Task LeaderStops_StandbyTakesOverWithinLeaseDuration_NeverTwoLeadersAndNoDuplicateEvents()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var cluster = new ClusterAssertions(server);
        var allowed = new AllowedServiceNames("app1");
        await using var a = await ControlPlaneReplica.StartAsync(server, allowed, "replica-a", leaderElection: true);
        await using var b = await ControlPlaneReplica.StartAsync(server, allowed, "replica-b", leaderElection: true);
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
    }

    [Fact]
    public async Task LeaderCannotRenew_StopsReconcilingAndStandbyTakesOver()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var cluster = new ClusterAssertions(server);
        var allowed = new AllowedServiceNames("app1");
        await using var a = await ControlPlaneReplica.StartAsync(server, allowed, "replica-a", leaderElection: true);
        await EventuallyAsync(() => Task.FromResult(a.Health.Check().IsLeader), "the first replica leads");
        await using var b = await ControlPlaneReplica.StartAsync(server, allowed, "replica-b", leaderElection: true);
        await EventuallyAsync(() => Task.FromResult(b.Health.Check().IsReady), "the second replica is a ready standby");

        // Every lease request fails for a while: the leader cannot renew, so it must stop leading by its renew deadline.
        server.Faults.FailNext(1000, "/leases/", 500);
        await EventuallyAsync(() => Task.FromResult(!a.Health.Check().IsLeader), "the leader gives up", TimeSpan.FromSeconds(5));
        server.Faults.Reset();
        await EventuallyAsync(() => Task.FromResult(a.Health.Check().IsLeader || b.Health.Check().IsLeader), "someone leads again", TimeSpan.FromSeconds(10));
        await cluster.CreatePkiAsync(Ns, "good", "app1");

        await EventuallyAsync(() => cluster.SecretExistsAsync(Ns, "good"), "the new term reconciles");
        Assert.False(a.Health.Check().IsLeader && b.Health.Check().IsLeader);
    }
}
