using Box.K8sEventReporting.IntegrationTests.ApiServer;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using k8s;
using k8s.Models;
using static Box.K8sEventReporting.IntegrationTests.Controller.ClusterAssertions;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>The "every report on the server exactly once" assertion of the chaos and leader-election tests can fail.</summary>
public sealed class ReportLedgerTests
{
    private const string Ns = "team-a";

    [Fact]
    public async Task Differences_InjectedDuplicateEventOrDoubledCount_AreReported()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var cluster = new ClusterAssertions(server);
        var ledger = new ReportLedger();
        await using var replica = await ControlPlaneReplica.StartAsync(server, new AllowedServiceNames("app1"), ledger: ledger);
        await cluster.CreatePkiAsync(Ns, "bad", "unknown");
        await cluster.CreatePodAsync(Ns, "bad-pod", "bad");
        await EventuallyAsync(
            async () => (await cluster.EventsAsync(Ns)).Any(e => e.InvolvedObject.Name == "bad-pod" && e.Reason == "ServiceNameNotAllowed"),
            "the Warning on the pod");
        await replica.StopAndFlushAsync();
        Assert.Empty(ledger.Differences(await cluster.EventsAsync(Ns), Ns));
        var original = (await cluster.EventsAsync(Ns)).First(e => e.InvolvedObject.Name == "bad-pod");
        var count = ReportLedger.CountOf(original);

        // A second object for the same report, as a recorder with random names would create after a restart.
        var copy = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "bad-pod.duplicate", NamespaceProperty = Ns },
            InvolvedObject = original.InvolvedObject,
            Type = original.Type,
            Reason = original.Reason,
            Message = original.Message,
            Source = original.Source,
            ReportingComponent = original.ReportingComponent,
            ReportingInstance = original.ReportingInstance,
            Count = 1,
            FirstTimestamp = original.FirstTimestamp,
            LastTimestamp = original.LastTimestamp,
        };
        await cluster.Client.CoreV1.CreateNamespacedEventAsync(copy, Ns);

        var duplicate = ledger.Differences(await cluster.EventsAsync(Ns), Ns);
        Assert.Contains(duplicate, d => d.StartsWith("2 Event objects", StringComparison.Ordinal));
        Assert.Contains(duplicate, d => d.StartsWith($"Event count {count + 1} but reported {count} times", StringComparison.Ordinal));

        // One object, but a count raised twice for one report, as two leaders patching the same Event would.
        await cluster.Client.CoreV1.DeleteNamespacedEventAsync(copy.Metadata.Name, Ns);
        // The count where it is kept: the series of an Event seen more than once (events.k8s.io), else the core count.
        var raised = original.Series is null ? $"{{\"count\":{count + 1}}}" : $"{{\"series\":{{\"count\":{count + 1}}}}}";
        await cluster.Client.CoreV1.PatchNamespacedEventAsync(new V1Patch(raised, V1Patch.PatchType.MergePatch), original.Metadata.Name, Ns);

        var doubled = Assert.Single(ledger.Differences(await cluster.EventsAsync(Ns), Ns));
        Assert.StartsWith($"Event count {count + 1} but reported {count} times", doubled, StringComparison.Ordinal);
    }
}
