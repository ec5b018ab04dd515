using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.Watching;

/// <summary>A watched custom resource whose CRD is not installed: one line that says to install it, not a 404 per retry.</summary>
public sealed class MissingCustomResourceDefinitionTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Watch_CrdNotInstalled_OneWarningNamingTheCrdAndHowToInstallIt_ThenQuietRetries()
    {
        var ns = await cluster.CreateNamespaceAsync("nocrd");
        var logs = new CapturingLoggerFactory();
        await using var watcher = new CustomResourceWatcher<Gadget>(cluster.Client, WatcherTestContext.FastOptions(o => o.Namespaces.Add(ns)), logs);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watching = Task.Run(async () =>
        {
            await foreach (var change in watcher.WatchAsync(stop.Token))
            {
                _ = change;
            }
        });

        // Several list attempts (each logs its detail at Debug), one Warning.
        await Wait.UntilAsync(() => Task.FromResult(logs.Lines.Count(l => l.Contains("ListFailedDetail", StringComparison.Ordinal)) >= 4), "four list attempts");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);

        var warning = Assert.Single(logs.Lines, l => l.Contains("Warning ListFailed:", StringComparison.Ordinal));
        Assert.Contains("the API server does not serve gadgets.missing.example.test (missing.example.test/v1", warning, StringComparison.Ordinal);
        Assert.Contains("install the CustomResourceDefinition gadgets.missing.example.test, for example with kubectl apply -f crds/gadgets.missing.example.test.yaml", warning, StringComparison.Ordinal);
    }

    /// <summary>A type whose CRD no cluster has.</summary>
    [KubernetesEntity(Group = "missing.example.test", ApiVersion = "v1", Kind = "Gadget", PluralName = "gadgets")]
    public sealed class Gadget : IKubernetesObject<V1ObjectMeta>
    {
        public string ApiVersion { get; set; } = "missing.example.test/v1";

        public string Kind { get; set; } = "Gadget";

        public V1ObjectMeta Metadata { get; set; } = new();
    }
}
