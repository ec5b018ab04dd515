using Box.K8sEventReporting.IntegrationTests.ApiServer;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using ControlPlane;
using k8s.Models;
using k8s;
using static Box.K8sEventReporting.IntegrationTests.Controller.ClusterAssertions;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>
/// Two replicas, 200 Pkis (a third invalid) with a pod each, random API faults and watch drops for a bounded time:
/// afterwards everything converges, and every report is on the server exactly once: one Event object per distinct report,
/// its count the number of times it was reported (no duplicate object, no lost or doubled count).
/// </summary>
[Trait("Cluster", "InProcessOnly")] // Injects random faults and watch drops (ApiServerFaults).
public sealed class ChaosIntegrationTests
{
    private const int PkiCount = 200;
    private static readonly string[] Namespaces = ["team-a", "team-b"];
    private static readonly TimeSpan ChaosDuration = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task TwoReplicas_RandomFaultsAndWatchDrops_ConvergeWithoutDuplicateEvents()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var cluster = new ClusterAssertions(server);
        var allowed = new AllowedServiceNames("app1");
        var ledger = new ReportLedger();

        // Revalidation every 2 s stands in for the 5 minutes of production: an Event dropped by a fault is reported again.
        static void Fast(Box.K8sEventReporting.Controller.ControllerOptions o) => o.RevalidationInterval = TimeSpan.FromSeconds(2);
        await using var a = await ControlPlaneReplica.StartAsync(server, allowed, "replica-a", leaderElection: true, configure: Fast, ledger: ledger);
        await using var b = await ControlPlaneReplica.StartAsync(server, allowed, "replica-b", leaderElection: true, configure: Fast, ledger: ledger);
        var pkis = Enumerable.Range(0, PkiCount)
            .Select(i => (Ns: Namespaces[i % Namespaces.Length], Name: $"pki-{i:D3}", Valid: i % 3 != 0))
            .ToArray();

        using var chaosStop = new CancellationTokenSource(ChaosDuration);
        var chaos = RunChaosAsync(server, chaosStop.Token);
        foreach (var batch in pkis.Chunk(20))
        {
            await Task.WhenAll(batch.Select(async p =>
            {
                await RetryAsync(() => cluster.CreatePkiAsync(p.Ns, p.Name, p.Valid ? "app1" : "unknown"));
                await RetryAsync(() => cluster.CreatePodAsync(p.Ns, p.Name + "-pod", p.Name));
            }));
        }

        await chaos;
        server.Faults.Reset();
        var injected = server.Requests.Count(r => r.StatusCode >= 429);

        await EventuallyAsync(() => ConvergedAsync(cluster, pkis), "every Pki converged", TimeSpan.FromSeconds(40));
        Assert.False(a.Health.Check().IsLeader && b.Health.Check().IsLeader);
        await a.StopAndFlushAsync();
        await b.StopAndFlushAsync();
        var events = new List<Corev1Event>();
        foreach (var ns in Namespaces)
        {
            events.AddRange(await cluster.EventsAsync(ns));
        }

        Assert.Empty(ledger.Differences(events, Namespaces));
        Assert.True(ledger.Total >= PkiCount / 3 * 2, $"only {ledger.Total} reports: the invalid Pkis were not reported");
        Assert.True(injected >= 20, $"only {injected} requests failed: the chaos did not bite");
    }

    private static async Task RunChaosAsync(Testing.ApiServer.InProcessApiServer server, CancellationToken cancellationToken)
    {
        var random = new Random(42);
        string[] paths = ["/pkis", "/pods", "/secrets", "/events", "/status", "/leases/"];
        int[] statuses = [500, 503, 504, 429];
        while (!cancellationToken.IsCancellationRequested)
        {
            if (random.Next(5) == 0)
            {
                server.Faults.CloseAllWatches();
            }
            else
            {
                server.Faults.FailNext(random.Next(1, 4), paths[random.Next(paths.Length)], statuses[random.Next(statuses.Length)]);
            }

            // Pacing of the fault injection, not synchronisation.
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
    }

    private static async Task RetryAsync(Func<Task> create)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await create();
                return;
            }
            catch (k8s.Autorest.HttpOperationException ex) when ((int)ex.Response.StatusCode == 409)
            {
                return;
            }
            catch (k8s.Autorest.HttpOperationException) when (attempt < 20)
            {
                // A fault injected for the controllers hit the test's own request: try again.
            }
        }
    }

    private static async Task<bool> ConvergedAsync(ClusterAssertions cluster, (string Ns, string Name, bool Valid)[] pkis)
    {
        var secrets = new HashSet<string>();
        var warnedPods = new HashSet<string>();
        var ready = new Dictionary<string, string?>();
        foreach (var ns in Namespaces)
        {
            foreach (var secret in (await cluster.Client.CoreV1.ListNamespacedSecretAsync(ns)).Items)
            {
                secrets.Add($"{ns}/{secret.Metadata.Name}");
            }

            foreach (var e in await cluster.EventsAsync(ns))
            {
                if (e.InvolvedObject.Kind == "Pod" && e.Reason == "ServiceNameNotAllowed")
                {
                    warnedPods.Add($"{ns}/{e.InvolvedObject.Name}");
                }
            }

            var list = await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<CustomResourceList<Pki>>("box.com", "v1", ns, "pkis");
            foreach (var pki in list.Items)
            {
                ready[$"{ns}/{pki.Metadata.Name}"] = pki.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status;
            }
        }

        return pkis.All(p => p.Valid
            ? secrets.Contains($"{p.Ns}/{p.Name}") && ready.GetValueOrDefault($"{p.Ns}/{p.Name}") == "True"
            : warnedPods.Contains($"{p.Ns}/{p.Name}-pod") && ready.GetValueOrDefault($"{p.Ns}/{p.Name}") == "False" && !secrets.Contains($"{p.Ns}/{p.Name}"));
    }

    private sealed class CustomResourceList<T> : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        public string ApiVersion { get; set; } = "box.com/v1";

        public string Kind { get; set; } = "PkiList";

        public V1ListMeta Metadata { get; set; } = new();

        public IList<T> Items { get; set; } = [];
    }
}
