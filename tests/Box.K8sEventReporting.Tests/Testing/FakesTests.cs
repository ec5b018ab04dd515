using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Watching;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Testing;

public class FakeCustomResourceWatcherTests
{
    private static V1Secret Secret(string name, string rv = "1") =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", ResourceVersion = rv } };

    [Fact]
    public async Task WatchAsync_NewConsumer_GetsCachedObjectsThenPushedChangesInOrder()
    {
        var watcher = new FakeCustomResourceWatcher<V1Secret>();
        watcher.Apply(Secret("a"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var changes = watcher.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await changes.MoveNextAsync());
        watcher.Apply(Secret("a", "2"));
        watcher.Delete(Secret("a"));

        Assert.Equal((ResourceChangeType.Added, "1"), (changes.Current.Type, changes.Current.Resource!.Metadata.ResourceVersion));
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal(ResourceChangeType.Modified, changes.Current.Type);
        Assert.Equal("1", changes.Current.OldResource!.Metadata.ResourceVersion);
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal(ResourceChangeType.Deleted, changes.Current.Type);
        Assert.Equal("2", changes.Current.Resource!.Metadata.ResourceVersion);
        Assert.Equal(0, watcher.Cache.Count);
    }

    [Fact]
    public void ListByIndex_UnknownIndex_ThrowsNamingIt()
    {
        var cache = new FakeResourceCache<V1Secret>();

        var ex = Assert.Throws<ArgumentException>(() => cache.ListByIndex("bySecret", "x"));

        Assert.Contains("'bySecret'", ex.Message, StringComparison.Ordinal);
    }
}

public class FakePodEventReporterTests
{
    private static readonly V1Pod Pod = new() { Metadata = new V1ObjectMeta { Name = "app1-abc", NamespaceProperty = "app1", Uid = "u1" } };

    [Fact]
    public async Task AssertReported_MatchingReport_ReturnsIt()
    {
        var reporter = new FakePodEventReporter();

        await reporter.ReportAsync(Pod, EventReport.Warning("InvalidServiceName", "bad"));

        Assert.Equal("u1", reporter.AssertReported("app1", "app1-abc", "InvalidServiceName", "bad").PodUid);
        reporter.AssertNothingReported("app1", "other");
    }

    [Fact]
    public async Task AssertReported_NoMatch_ThrowsDescribingWhatWasReported()
    {
        var reporter = new FakePodEventReporter();
        await reporter.ReportAsync(Pod, EventReport.Warning("Other", "msg"));

        var ex = Assert.Throws<FakeAssertionException>(() => reporter.AssertReported("app1", "app1-abc", "InvalidServiceName"));

        Assert.Contains("app1/app1-abc Warning Other: msg", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForReportAsync_ReportMadeLater_Completes()
    {
        var reporter = new FakePodEventReporter();

        var waiting = reporter.WaitForReportAsync(r => r.Report.Reason == "Late", TimeSpan.FromSeconds(10));
        Assert.False(waiting.IsCompleted);
        await reporter.ReportAsync(Pod, EventReport.Normal("Late", "now"));

        Assert.Equal("now", (await waiting).Report.Message);
    }
}
