using System.Net;
using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Watching;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Watching;

/// <summary>The watcher against a scripted API server behind the real KubernetesClient pipeline, on fake time.</summary>
public sealed class CustomResourceWatcherTests : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromHours(1);
    private readonly RecordingTimeProvider time = new();
    private readonly ScriptedApiServer server;

    public CustomResourceWatcherTests()
    {
        server = new ScriptedApiServer(time);
    }

    public void Dispose() => server.Dispose();

    private static string Pki(string ns, string name, string rv, string service = "svc", string? extra = null) =>
        "{\"apiVersion\":\"box.com/v1\",\"kind\":\"Pki\",\"metadata\":{\"managedFields\":[{\"manager\":\"m\",\"operation\":\"Update\"}],\"name\":\"" + name
        + "\",\"namespace\":\"" + ns + "\",\"resourceVersion\":\"" + rv + "\",\"uid\":\"uid-" + ns + "-" + name + "\"},\"spec\":{\"serviceName\":\"" + service + "\"" + extra + "}}";

    private static CustomResourceWatcherOptions Options(Action<CustomResourceWatcherOptions>? configure = null)
    {
        var options = new CustomResourceWatcherOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(30),
            BackoffJitter = 0,
            RequestTimeout = RequestTimeout,
            InactivityTimeout = TimeSpan.FromMinutes(30),
        };
        configure?.Invoke(options);
        return options;
    }

    private CustomResourceWatcher<TestPki> CreateWatcher(CustomResourceWatcherOptions? options = null) =>
        new(server.Client, options ?? Options(), timeProvider: time);

    private Task<TimeSpan> NextDelayAsync() => time.WaitForTimerAsync(d => d < RequestTimeout);

    private async Task<ScriptedApiServer.WatchStream> SyncAndWatchAsync(CustomResourceWatcher<TestPki> watcher, string listVersion, params string[] items)
    {
        var sync = watcher.Cache.WaitForInitialSyncAsync();
        var list = await server.NextRequestAsync();
        list.RespondList(listVersion, null, items);
        await sync.WaitAsync(TimeSpan.FromSeconds(10));
        var watch = await server.NextRequestAsync();
        Assert.True(watch.IsWatch);
        return watch.RespondWatch();
    }

    [Fact]
    public async Task WaitForInitialSync_ServerRefusesWithRetryAfter_StaysUnsyncedAndRetriesAfterRetryAfter()
    {
        await using var watcher = CreateWatcher();
        var sync = watcher.Cache.WaitForInitialSyncAsync();

        (await server.NextRequestAsync()).RespondStatus(503, "ServiceUnavailable", TimeSpan.FromSeconds(7));
        var delay = await NextDelayAsync();
        var syncedWhileRefused = watcher.Cache.HasSynced;
        time.Advance(delay);
        var retry = await server.NextRequestAsync();
        retry.RespondList("10", null, Pki("a", "x", "5"));
        await sync.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.FromSeconds(7), delay);
        Assert.False(syncedWhileRefused);
        Assert.True(watcher.Cache.HasSynced);
        Assert.Equal("x", watcher.Cache.Get("a", "x")!.Metadata.Name);
    }

    [Fact]
    public async Task WaitForInitialSync_ServerUnreachable_BacksOffExponentiallyAndNeverThrows()
    {
        await using var watcher = CreateWatcher();
        var sync = watcher.Cache.WaitForInitialSyncAsync();
        var delays = new List<TimeSpan>();

        for (var i = 0; i < 4; i++)
        {
            (await server.NextRequestAsync()).Response.SetException(new HttpRequestException("Connection refused"));
            var delay = await NextDelayAsync();
            delays.Add(delay);
            time.Advance(delay);
        }

        (await server.NextRequestAsync()).RespondList("3", null);
        await sync.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 2, 4, 8], delays.Select(d => d.TotalSeconds));
        Assert.True(watcher.Cache.HasSynced);
    }

    [Fact]
    public async Task Start_ListThenWatch_WatchStartsFromListVersionWithBookmarksAndRandomTimeout()
    {
        await using var watcher = CreateWatcher();
        var sync = watcher.Cache.WaitForInitialSyncAsync();

        var list = await server.NextRequestAsync();
        list.RespondList("42", null, Pki("a", "x", "5"));
        await sync.WaitAsync(TimeSpan.FromSeconds(10));
        var watch = await server.NextRequestAsync();

        Assert.Equal("/apis/box.com/v1/pkis", list.Path);
        Assert.Equal("500", list.Query("limit"));
        Assert.Equal("0", list.Query("resourceVersion"));
        Assert.Equal("/apis/box.com/v1/pkis", watch.Path);
        Assert.Equal("42", watch.Query("resourceVersion"));
        Assert.Equal("true", watch.Query("allowWatchBookmarks"));
        Assert.InRange(int.Parse(watch.Query("timeoutSeconds")!, System.Globalization.CultureInfo.InvariantCulture), 300, 600);
    }

    [Fact]
    public async Task Watch_BookmarkThenEarlyClose_ResumesFromBookmarkAfterBackoffWithoutSurfacingIt()
    {
        await using var watcher = CreateWatcher();
        await using var consumer = new ChangeCollector<TestPki>(watcher);
        var stream = await SyncAndWatchAsync(watcher, "10");

        stream.Bookmark("17");
        stream.Event("ADDED", Pki("a", "x", "18"));
        var added = await consumer.NextAsync();
        stream.Bookmark("25");
        stream.End();
        var delay = await NextDelayAsync();
        time.Advance(delay);
        var resumed = await server.NextRequestAsync();

        Assert.Equal(ResourceChangeType.Added, added.Type);
        Assert.Equal(TimeSpan.FromSeconds(1), delay);
        Assert.Equal("25", resumed.Query("resourceVersion"));
        Assert.False(consumer.TryNext(out _));
    }

    [Fact]
    public async Task Watch_ServerSideTimeout_ResumesImmediatelyWithoutBackoff()
    {
        await using var watcher = CreateWatcher();
        var sync = watcher.Cache.WaitForInitialSyncAsync();
        (await server.NextRequestAsync()).RespondList("10", null);
        await sync.WaitAsync(TimeSpan.FromSeconds(10));
        var watch = await server.NextRequestAsync();
        var stream = watch.RespondWatch();

        time.Advance(TimeSpan.FromSeconds(int.Parse(watch.Query("timeoutSeconds")!, System.Globalization.CultureInfo.InvariantCulture)));
        stream.End();
        var resumed = await server.NextRequestAsync();

        Assert.True(resumed.IsWatch);
        Assert.Equal("10", resumed.Query("resourceVersion"));
        Assert.Equal(watch.ReceivedAt + TimeSpan.FromSeconds(int.Parse(watch.Query("timeoutSeconds")!, System.Globalization.CultureInfo.InvariantCulture)), resumed.ReceivedAt);
    }

    [Fact]
    public async Task Watch_ExpiredErrorEvent_RelistsAndEmitsExactlyTheMissedChanges()
    {
        await using var watcher = CreateWatcher();
        await using var consumer = new ChangeCollector<TestPki>(watcher);
        var stream = await SyncAndWatchAsync(watcher, "10", Pki("a", "x", "5"), Pki("a", "y", "6"), Pki("a", "z", "7"));
        var initial = await consumer.NextAsync(3);

        stream.Event("MODIFIED", Pki("a", "x", "11", "new"));
        stream.Expired();
        var relist = await server.NextRequestAsync();
        relist.RespondList("20", null, Pki("a", "x", "11", "new"), Pki("a", "y", "15", "changed"), Pki("a", "w", "16"));
        var changes = await consumer.NextAsync(4);
        var watchAgain = await server.NextRequestAsync();

        Assert.All(initial, c => Assert.Equal(ResourceChangeType.Added, c.Type));
        Assert.False(relist.IsWatch);
        Assert.Equal("11", relist.Query("resourceVersion"));
        Assert.Null(relist.Query("limit"));
        Assert.Equal(
            ["Modified a/x 11", "Modified a/y 15", "Added a/w 16", "Deleted a/z 7"],
            changes.Select(c => $"{c.Type} {c.Resource!.Metadata.NamespaceProperty}/{c.Resource.Metadata.Name} {c.Resource.Metadata.ResourceVersion}"));
        Assert.Equal("6", changes[1].OldResource!.Metadata.ResourceVersion);
        Assert.Equal("20", watchAgain.Query("resourceVersion"));
        Assert.Equal(["w", "x", "y"], watcher.Cache.List().Select(p => p.Metadata.Name).Order());
        Assert.False(consumer.TryNext(out _));
    }

    [Fact]
    public async Task Watch_HttpGone_Relists()
    {
        await using var watcher = CreateWatcher();
        var sync = watcher.Cache.WaitForInitialSyncAsync();
        (await server.NextRequestAsync()).RespondList("10", null, Pki("a", "x", "5"));
        await sync.WaitAsync(TimeSpan.FromSeconds(10));

        (await server.NextRequestAsync()).RespondStatus(410, "Expired");
        var relist = await server.NextRequestAsync();
        relist.RespondList("30", null);
        var watch = await server.NextRequestAsync();

        Assert.False(relist.IsWatch);
        Assert.Equal("10", relist.Query("resourceVersion"));
        Assert.Equal("30", watch.Query("resourceVersion"));
        Assert.Equal(0, watcher.Cache.Count);
    }

    [Fact]
    public async Task List_ContinueTokenExpired_RestartsTheListFromScratch()
    {
        await using var watcher = CreateWatcher(Options(o => o.PageSize = 2));
        var sync = watcher.Cache.WaitForInitialSyncAsync();

        var first = await server.NextRequestAsync();
        first.RespondList("10", "c1", Pki("a", "x", "5"), Pki("a", "y", "6"));
        var second = await server.NextRequestAsync();
        second.RespondStatus(410, "Expired");
        var restart = await server.NextRequestAsync();
        restart.RespondList("12", "c2", Pki("a", "x", "5"), Pki("a", "y", "6"));
        (await server.NextRequestAsync()).RespondList("12", null, Pki("a", "z", "11"));
        await sync.WaitAsync(TimeSpan.FromSeconds(10));
        var watch = await server.NextRequestAsync();

        Assert.Equal("0", first.Query("resourceVersion"));
        Assert.Equal("c1", second.Query("continue"));
        Assert.Null(second.Query("resourceVersion"));
        Assert.Equal("2", second.Query("limit"));
        Assert.Null(restart.Query("continue"));
        Assert.Null(restart.Query("resourceVersion"));
        Assert.Equal("2", restart.Query("limit"));
        Assert.Equal(3, watcher.Cache.Count);
        Assert.Equal("12", watch.Query("resourceVersion"));
    }

    [Fact]
    public async Task Watch_QuietUntilItsServerTimeout_NotRestartedAndNoWarning()
    {
        // A real server sends nothing on a quiet watch until it closes it at timeoutSeconds (transcript 03f): that is healthy.
        var logs = new Hosting.CapturingLoggerProvider();
        using var loggerFactory = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        await using var watcher = new CustomResourceWatcher<TestPki>(
            server.Client, Options(o => (o.MinWatchTimeout, o.MaxWatchTimeout, o.InactivityTimeout) = (TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10))), loggerFactory, time);
        var sync = watcher.Cache.WaitForInitialSyncAsync();
        (await server.NextRequestAsync()).RespondList("10", null);
        await sync.WaitAsync(TimeSpan.FromSeconds(10));
        var watch = await server.NextRequestAsync();
        var stream = watch.RespondWatch();

        for (var i = 0; i < 59; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
        }

        var quietFor = time.GetUtcNow() - watch.ReceivedAt;
        var requestedDuringSilence = server.TryGetRequest(out _);
        time.Advance(TimeSpan.FromSeconds(5));
        stream.End();
        var resumed = await server.NextRequestAsync();

        Assert.Equal(TimeSpan.FromSeconds(295), quietFor);
        Assert.False(requestedDuringSilence);
        Assert.False(stream.WasCancelled);
        Assert.True(resumed.IsWatch);
        Assert.Equal("10", resumed.Query("resourceVersion"));
        Assert.Equal(time.GetUtcNow(), resumed.ReceivedAt);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task Watch_SilentPastItsServerTimeoutPlusInactivityTimeout_RestartedFromLastResourceVersion()
    {
        await using var watcher = CreateWatcher(Options(o => (o.MinWatchTimeout, o.MaxWatchTimeout, o.InactivityTimeout) = (TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10))));
        await using var consumer = new ChangeCollector<TestPki>(watcher);
        var stream = await SyncAndWatchAsync(watcher, "10");
        stream.Event("ADDED", Pki("a", "x", "12"));
        await consumer.NextAsync();

        time.Advance(TimeSpan.FromSeconds(65));
        var cancelledBeforeLimit = stream.WasCancelled;
        time.Advance(TimeSpan.FromSeconds(8));
        var delay = await NextDelayAsync();
        time.Advance(delay);
        var resumed = await server.NextRequestAsync();

        Assert.False(cancelledBeforeLimit);
        Assert.True(stream.WasCancelled);
        Assert.True(resumed.IsWatch);
        Assert.Equal("12", resumed.Query("resourceVersion"));
    }

    [Fact]
    public async Task Relist_LastSyncedVersionExpired_FallsBackToOneConsistentList()
    {
        await using var watcher = CreateWatcher();
        var stream = await SyncAndWatchAsync(watcher, "10", Pki("a", "x", "5"));
        stream.Bookmark("14");
        stream.Expired();

        var relist = await server.NextRequestAsync();
        relist.RespondStatus(410, "Expired");
        var consistent = await server.NextRequestAsync();
        consistent.RespondList("40", null, Pki("a", "y", "33"));
        var watch = await server.NextRequestAsync();
        var stream2 = watch.RespondWatch();
        stream2.Expired();
        time.Advance(await NextDelayAsync());
        var second = await server.NextRequestAsync();

        Assert.Equal("14", relist.Query("resourceVersion"));
        Assert.Null(relist.Query("limit"));
        Assert.False(consistent.IsWatch);
        Assert.Null(consistent.Query("resourceVersion"));
        Assert.Equal("500", consistent.Query("limit"));
        Assert.Equal(relist.ReceivedAt, consistent.ReceivedAt);
        Assert.Equal("40", watch.Query("resourceVersion"));
        Assert.Equal(["y"], watcher.Cache.List().Select(p => p.Metadata.Name));
        Assert.False(second.IsWatch);
        Assert.Equal("40", second.Query("resourceVersion"));
    }

    [Fact]
    public async Task List_ResourceVersionTooLargeForThisServer_FallsBackToAConsistentListAtOnce()
    {
        await using var watcher = CreateWatcher();
        var stream = await SyncAndWatchAsync(watcher, "10");
        stream.Event("ADDED", Pki("a", "x", "12"));
        stream.Expired();

        var relist = await server.NextRequestAsync();
        relist.RespondJson(
            HttpStatusCode.GatewayTimeout,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Timeout: Too large resource version: 12, current: 11\",\"reason\":\"Timeout\",\"details\":{\"causes\":[{\"reason\":\"ResourceVersionTooLarge\",\"message\":\"Too large resource version\"}],\"retryAfterSeconds\":1},\"code\":504}",
            TimeSpan.FromSeconds(1));
        var consistent = await server.NextRequestAsync();

        Assert.Equal("12", relist.Query("resourceVersion"));
        Assert.False(consistent.IsWatch);
        Assert.Null(consistent.Query("resourceVersion"));
        Assert.Equal(relist.ReceivedAt, consistent.ReceivedAt);
    }

    [Theory]
    [InlineData("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old\",\"reason\":\"Expired\"}")]
    [InlineData("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"gone\",\"reason\":\"Gone\",\"code\":500}")]
    public async Task Watch_ErrorEventExpiredByReasonOnly_RelistsAtOnce(string status)
    {
        await using var watcher = CreateWatcher();
        var stream = await SyncAndWatchAsync(watcher, "10");

        stream.Send("{\"type\":\"ERROR\",\"object\":" + status + "}");
        var next = await server.NextRequestAsync();

        Assert.False(next.IsWatch);
        Assert.Equal("10", next.Query("resourceVersion"));
    }

    [Fact]
    public async Task Watch_HttpErrorExpiredByReasonOnly_Relists()
    {
        await using var watcher = CreateWatcher();
        var sync = watcher.Cache.WaitForInitialSyncAsync();
        (await server.NextRequestAsync()).RespondList("10", null);
        await sync.WaitAsync(TimeSpan.FromSeconds(10));

        (await server.NextRequestAsync()).RespondStatus(500, "Expired");
        var next = await server.NextRequestAsync();

        Assert.False(next.IsWatch);
    }

    [Fact]
    public async Task Watch_UndecodableObject_SurfacedAsDecodeFailureAndWatchGoesOn()
    {
        await using var watcher = CreateWatcher();
        await using var consumer = new ChangeCollector<TestPki>(watcher);
        var stream = await SyncAndWatchAsync(watcher, "10");

        stream.Event("ADDED", Pki("a", "bad", "11", extra: ",\"replicas\":\"three\""));
        stream.Send("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"broken\",\"namespace\":\"a\"");
        stream.Event("ADDED", Pki("a", "good", "13"));
        var changes = await consumer.NextAsync(3);

        Assert.Equal([ResourceChangeType.DecodeFailed, ResourceChangeType.DecodeFailed, ResourceChangeType.Added], changes.Select(c => c.Type));
        Assert.Equal("bad", changes[0].DecodeFailure!.Name);
        Assert.Equal("11", changes[0].DecodeFailure!.ResourceVersion);
        Assert.Equal("broken", changes[1].DecodeFailure!.Name);
        Assert.Equal("good", changes[2].Resource!.Metadata.Name);
        Assert.False(server.TryGetRequest(out _));
        Assert.Equal(1, watcher.Cache.Count);
    }

    [Fact]
    public async Task WatchAsync_NewConsumerAfterSync_FirstGetsAddedForEveryCachedObject()
    {
        await using var watcher = CreateWatcher();
        var stream = await SyncAndWatchAsync(watcher, "10", Pki("a", "x", "5"), Pki("b", "y", "6"));

        await using var consumer = new ChangeCollector<TestPki>(watcher);
        var initial = await consumer.NextAsync(2);
        stream.Event("DELETED", Pki("a", "x", "11"));
        var deleted = await consumer.NextAsync();

        Assert.All(initial, c => Assert.Equal(ResourceChangeType.Added, c.Type));
        Assert.Equal(["x", "y"], initial.Select(c => c.Resource!.Metadata.Name).Order());
        Assert.Equal(ResourceChangeType.Deleted, deleted.Type);
        Assert.Equal("11", deleted.Resource!.Metadata.ResourceVersion);
        Assert.Null(watcher.Cache.Get("a", "x"));
    }

    [Fact]
    public async Task WatchAsync_SlowConsumerOverflows_ResynchronisedWithoutStallingOthers()
    {
        await using var watcher = CreateWatcher(Options(o => o.ConsumerBufferSize = 2));
        var stream = await SyncAndWatchAsync(watcher, "10", Pki("a", "keep", "1"), Pki("a", "drop", "2"));
        await using var fast = new ChangeCollector<TestPki>(watcher);
        await fast.NextAsync(2);
        await using var slow = watcher.WatchAsync().GetAsyncEnumerator();
        Assert.True(await slow.MoveNextAsync());
        Assert.True(await slow.MoveNextAsync());

        var fastChanges = new List<ResourceChange<TestPki>>();
        foreach (var (type, obj) in new[] { ("MODIFIED", Pki("a", "keep", "11")), ("MODIFIED", Pki("a", "keep", "12")), ("MODIFIED", Pki("a", "keep", "13")), ("DELETED", Pki("a", "drop", "14")), ("ADDED", Pki("a", "new", "15")) })
        {
            stream.Event(type, obj);
            fastChanges.Add(await fast.NextAsync());
        }

        var slowChanges = new List<ResourceChange<TestPki>>();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await slow.MoveNextAsync());
            slowChanges.Add(slow.Current);
        }

        Assert.Equal(["11", "12", "13", "14", "15"], fastChanges.Select(c => c.Resource!.Metadata.ResourceVersion));
        Assert.Equal(
            ["Modified keep 11", "Modified keep 12", "Modified keep 13", "Added new 15", "Deleted drop 2"],
            slowChanges.Select(c => $"{c.Type} {c.Resource!.Metadata.Name} {c.Resource.Metadata.ResourceVersion}"));
        Assert.Equal("12", slowChanges[2].OldResource!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task WatchAsync_ResyncPeriodElapses_RedeliversEveryObjectAsResync()
    {
        await using var watcher = CreateWatcher(Options(o => o.ResyncPeriod = TimeSpan.FromMinutes(1)));
        await using var consumer = new ChangeCollector<TestPki>(watcher);
        await SyncAndWatchAsync(watcher, "10", Pki("a", "x", "5"), Pki("a", "y", "6"));
        await consumer.NextAsync(2);

        time.Advance(TimeSpan.FromMinutes(1));
        var resync = await consumer.NextAsync(2);

        Assert.All(resync, c => Assert.Equal(ResourceChangeType.Resync, c.Type));
        Assert.Equal(["x", "y"], resync.Select(c => c.Resource!.Metadata.Name).Order());
    }

    [Fact]
    public async Task Start_SeveralNamespaces_OneListWatchEachMergedIntoOneCache()
    {
        await using var watcher = CreateWatcher(Options(o =>
        {
            o.Namespaces.Add("team-a");
            o.Namespaces.Add("team-b");
        }));
        var sync = watcher.Cache.WaitForInitialSyncAsync();

        var first = await server.NextRequestAsync();
        var second = await server.NextRequestAsync();
        var byPath = new[] { first, second }.ToDictionary(r => r.Path);
        byPath["/apis/box.com/v1/namespaces/team-a/pkis"].RespondList("10", null, Pki("team-a", "x", "5"));
        var syncedAfterOne = watcher.Cache.HasSynced;
        byPath["/apis/box.com/v1/namespaces/team-b/pkis"].RespondList("11", null, Pki("team-b", "y", "6"));
        await sync.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(syncedAfterOne);
        Assert.Equal(2, watcher.Cache.Count);
        Assert.Single(watcher.Cache.List("team-a"));
    }

    [Fact]
    public async Task Cache_StripManagedFieldsAndTransform_AppliedBeforeCaching()
    {
        var options = Options().SetTransform<TestPki>(p =>
        {
            p.Metadata.Annotations = new Dictionary<string, string> { ["transformed"] = "yes" };
            return p;
        });
        await using var watcher = CreateWatcher(options);

        await SyncAndWatchAsync(watcher, "10", Pki("a", "x", "5"));
        var cached = watcher.Cache.Get("a", "x")!;

        Assert.Null(cached.Metadata.ManagedFields);
        Assert.Equal("yes", cached.Metadata.Annotations["transformed"]);
    }

    [Fact]
    public async Task Start_BuiltInPods_UsesCoreApiPathAndFillsKind()
    {
        await using var watcher = new CustomResourceWatcher<V1Pod>(server.Client, Options(o => o.LabelSelector = "app=web"), timeProvider: time);
        var sync = watcher.Cache.WaitForInitialSyncAsync();

        var list = await server.NextRequestAsync();
        list.RespondJson(HttpStatusCode.OK, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":[{\"metadata\":{\"name\":\"app1\",\"namespace\":\"team-a\",\"resourceVersion\":\"6\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}]}");
        await sync.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("/api/v1/pods", list.Path);
        Assert.Equal("app=web", list.Query("labelSelector"));
        var pod = watcher.Cache.Get("team-a", "app1")!;
        Assert.Equal("Pod", pod.Kind);
        Assert.Equal("v1", pod.ApiVersion);
    }

    [Fact]
    public async Task DisposeAsync_WhileWatching_EndsConsumerStreamAndCancelsTheWatch()
    {
        var watcher = CreateWatcher();
        var consumer = new ChangeCollector<TestPki>(watcher);
        var stream = await SyncAndWatchAsync(watcher, "10");
        stream.Event("ADDED", Pki("a", "x", "11"));
        await consumer.NextAsync();

        await watcher.DisposeAsync();
        await consumer.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(stream.WasDisposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await watcher.WatchAsync().GetAsyncEnumerator().MoveNextAsync());
        await consumer.DisposeAsync();
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsListingEveryProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => CreateWatcher(new CustomResourceWatcherOptions { PageSize = 0, ConsumerBufferSize = 0 }));

        Assert.Contains("PageSize", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ConsumerBufferSize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SeveralNamespaces_RelistOfOneDoesNotCountAsTheOthersSync()
    {
        await using var watcher = CreateWatcher(Options(o =>
        {
            o.Namespaces.Add("team-a");
            o.Namespaces.Add("team-b");
        }));
        var sync = watcher.Cache.WaitForInitialSyncAsync();
        var first = await server.NextRequestAsync();
        var second = await server.NextRequestAsync();
        var a = first.Path.Contains("team-a", StringComparison.Ordinal) ? first : second;
        var b = a == first ? second : first;

        b.RespondStatus(503, "ServiceUnavailable", TimeSpan.FromMinutes(5));
        a.RespondList("10", null);
        (await server.NextRequestAsync()).RespondStatus(410, "Expired");
        (await server.NextRequestAsync()).RespondList("12", null);
        await server.NextRequestAsync();

        Assert.False(watcher.Cache.HasSynced);
        Assert.False(sync.IsCompleted);
    }
}
