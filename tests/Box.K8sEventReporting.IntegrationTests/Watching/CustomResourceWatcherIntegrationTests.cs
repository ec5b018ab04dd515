using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.Watching;

/// <summary>
/// The watcher over real HTTP (KubernetesClient's pipeline) against the in-process API server. Each fault test keeps changing
/// objects on the server while the fault happens and then checks that the cache and a consumer's view equal the server's state,
/// with no lost update, phantom object or duplicate Added.
/// </summary>
public sealed class CustomResourceWatcherIntegrationTests : IAsyncLifetime
{
    private static readonly string[] TeamNamespaces = ["team-a", "team-b"];
    private WatcherTestContext context = null!;

    public async Task InitializeAsync() => context = await WatcherTestContext.StartAsync();

    public async Task DisposeAsync() => await context.DisposeAsync();

    /// <summary>Lists sent by watchers (they carry resourceVersion= or, when consistent, limit=), not the test's own state checks.</summary>
    private int WatcherLists() => context.Server.Requests.Count(r => r.Verb == "list" && (r.Query.Contains("resourceVersion=", StringComparison.Ordinal) || r.Query.Contains("limit=", StringComparison.Ordinal)));

    private async Task<(CustomResourceWatcher<TestPki> Watcher, ConsumerView View)> StartSyncedAsync(CustomResourceWatcherOptions? options = null)
    {
        await context.CreateAsync("team-a", "seed-1", "one");
        await context.CreateAsync("team-b", "seed-2", "two");
        var watcher = context.CreateWatcher(options);
        var view = new ConsumerView(watcher);
        await Wait.ForAsync(watcher.Cache.WaitForInitialSyncAsync(), "the initial sync");
        await Wait.UntilAsync(() => context.Server.CountRequests("watch") >= 1, "the watch is open");
        return (watcher, view);
    }

    /// <summary>Keeps objects changing before, during and after <paramref name="fault"/>, until the consumer has received changes made after it.</summary>
    private async Task RunFaultUnderChurnAsync(int seed, ConsumerView view, Func<Task> fault)
    {
        await using var churn = new Churn(context, seed, TeamNamespaces);
        await Wait.UntilAsync(() => churn.Operations >= 10, "some changes before the fault");
        await fault();
        var seen = view.Changes.Count;
        await Wait.UntilAsync(() => view.Changes.Count >= seen + 20, "changes made after the fault reached the consumer");
    }

    [Fact]
    public async Task Watch_ServerClosesWatchesWhileObjectsChange_ResumesAndConsumerViewMatchesServer()
    {
        var (watcher, view) = await StartSyncedAsync();
        await using var _ = watcher;
        await using var __ = view;

        await RunFaultUnderChurnAsync(1, view, async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                var watches = context.Server.CountRequests("watch");
                context.Server.Faults.CloseAllWatches();
                await Wait.UntilAsync(() => context.Server.CountRequests("watch") > watches, "the watch was resumed");
            }
        });

        await context.AssertConvergedAsync(watcher, view);
        Assert.Equal(1, WatcherLists());
    }

    [Fact]
    public async Task Watch_HistoryCompactedWhileObjectsChange_RelistsAndEmitsOnlyMissedChanges()
    {
        var (watcher, view) = await StartSyncedAsync();
        await using var _ = watcher;
        await using var __ = view;

        await RunFaultUnderChurnAsync(2, view, async () =>
        {
            context.Server.Faults.FreezeWatches();
            var lists = WatcherLists();
            var frozenAt = context.Server.ResourceVersion;
            await Wait.UntilAsync(() => context.Server.ResourceVersion >= frozenAt + 3, "changes the frozen watch did not deliver");
            context.Server.Faults.CompactHistory();
            context.Server.Faults.CloseAllWatches();
            context.Server.Faults.UnfreezeWatches();
            await Wait.UntilAsync(() => WatcherLists() > lists, "the watcher relisted after 410");
        });

        await context.AssertConvergedAsync(watcher, view);
        Assert.True(WatcherLists() >= 2);
    }

    [Fact]
    public async Task Watch_ExpiredErrorEventWhileObjectsChange_RelistsAndConsumerViewMatchesServer()
    {
        var (watcher, view) = await StartSyncedAsync();
        await using var _ = watcher;
        await using var __ = view;

        await RunFaultUnderChurnAsync(3, view, async () =>
        {
            var lists = WatcherLists();

            context.Server.Faults.SendErrorToWatches(new V1Status { Status = "Failure", Code = 410, Reason = "Expired", Message = "too old resource version: 1 (2)" });
            await Wait.UntilAsync(() => WatcherLists() > lists, "the watcher relisted after the ERROR event");
        });

        await context.AssertConvergedAsync(watcher, view);
    }

    [Fact]
    public async Task Watch_HalfOpenConnectionWhileObjectsChange_RestartedAfterInactivityAndViewMatches()
    {
        var (watcher, view) = await StartSyncedAsync(WatcherTestContext.FastOptions(o => (o.MinWatchTimeout, o.MaxWatchTimeout, o.InactivityTimeout) = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(600))));
        await using var _ = watcher;
        await using var __ = view;

        await RunFaultUnderChurnAsync(4, view, async () =>
        {
            var watches = context.Server.CountRequests("watch");
            context.Server.Faults.FreezeWatches();
            await Wait.UntilAsync(() => context.Server.CountRequests("watch") >= watches + 2, "the silent watch was restarted twice");
            context.Server.Faults.UnfreezeWatches();
        });

        await context.AssertConvergedAsync(watcher, view);
    }

    [Fact]
    public async Task Watch_ThrottledWith429AndRetryAfterWhileObjectsChange_RetriesAndViewMatches()
    {
        var (watcher, view) = await StartSyncedAsync();
        await using var _ = watcher;
        await using var __ = view;

        await RunFaultUnderChurnAsync(5, view, async () =>
        {
            context.Server.Faults.FailNext(1, "pkis", 429, TimeSpan.FromSeconds(1), verb: "watch");
            context.Server.Faults.FailNext(1, "pkis", 503, verb: "watch");
            context.Server.Faults.CloseAllWatches();
            await Wait.UntilAsync(() => context.Server.Requests.Count(r => r.Verb == "watch" && r.StatusCode is 429 or 503) == 2, "both refusals were served");
        });

        await context.AssertConvergedAsync(watcher, view);
    }

    [Fact]
    public async Task Watch_MalformedObjectAndGarbageLine_SurfacedAsDecodeFailuresAndWatchGoesOn()
    {
        var (watcher, view) = await StartSyncedAsync();
        await using var _ = watcher;
        await using var __ = view;
        var watches = context.Server.CountRequests("watch");

        await context.CreateAsync("team-a", "bad", "svc", extraSpec: ",\"replicas\":\"three\"");
        context.Server.Faults.InjectRawIntoWatches("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"half\",\"namespace\":\"team-a\"\n");
        await context.CreateAsync("team-a", "good", "svc");
        await Wait.UntilAsync(() => watcher.Cache.Get("team-a", "good") is not null, "the good object after the bad ones arrived");
        await context.PatchAsync("team-a", "bad", "{\"spec\":{\"replicas\":3}}");

        await Wait.UntilAsync(() => watcher.Cache.Get("team-a", "bad") is not null, "the repaired object arrived");
        var failures = view.Changes.Where(c => c.Type == ResourceChangeType.DecodeFailed).Select(c => c.DecodeFailure!).ToList();
        Assert.Contains(failures, f => f.Name == "bad" && f.Namespace == "team-a" && f.Uid is not null && f.RawJson.Contains("three", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Name == "half" && f.Error.Contains("not valid JSON", StringComparison.Ordinal));
        Assert.Equal(watches, context.Server.CountRequests("watch"));
        await context.AssertConvergedAsync(watcher, view);
    }

    [Fact]
    public async Task Start_ServerRefusesAtFirst_KeepsTryingAndSyncsOnceItAnswers()
    {
        context.Server.Faults.FailNext(3, "pkis", 503, verb: "list");
        await context.CreateAsync("team-a", "x", "svc");
        await using var watcher = context.CreateWatcher();

        var sync = watcher.Cache.WaitForInitialSyncAsync();
        await Wait.ForAsync(sync, "the sync after three refusals");

        Assert.True(watcher.Cache.HasSynced);
        Assert.Equal(4, WatcherLists());
        Assert.NotNull(watcher.Cache.Get("team-a", "x"));
    }

    [Fact]
    public async Task Start_ServerUnreachable_ReportsNotSyncedNeverThrowsAndStopsPromptly()
    {
        using var unreachable = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        var watcher = new CustomResourceWatcher<TestPki>(unreachable, WatcherTestContext.FastOptions());
        using var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watcher.Cache.WaitForInitialSyncAsync(shortWait.Token));
        var syncedWhileUnreachable = watcher.Cache.HasSynced;
        await Wait.ForAsync(watcher.DisposeAsync().AsTask(), "the watcher to stop", TimeSpan.FromSeconds(5));

        Assert.False(syncedWhileUnreachable);
    }

    [Fact]
    public async Task WatchAsync_ThreeConsumers_ShareOneListAndOneWatchAndEachGetsEveryChangeInOrder()
    {
        var (watcher, first) = await StartSyncedAsync();
        await using var _ = watcher;
        await using var __ = first;
        await using var second = new ConsumerView(watcher);
        await using var third = new ConsumerView(watcher);

        await using (var churn = new Churn(context, 6, TeamNamespaces, maxOperations: 40))
        {
            await Wait.ForAsync(churn.Completion, "40 changes");
        }

        await context.AssertConvergedAsync(watcher, first, second, third);
        Assert.Equal(1, WatcherLists());
        Assert.Equal(1, context.Server.CountRequests("watch"));
    }

    [Fact]
    public async Task List_InitialListFromTheWatchCache_OneRequestWhateverThePageSize()
    {
        for (var i = 0; i < 10; i++)
        {
            await context.CreateAsync("team-a", $"p{i}", "svc");
        }

        await using var watcher = context.CreateWatcher(WatcherTestContext.FastOptions(o => o.PageSize = 3));
        await Wait.ForAsync(watcher.Cache.WaitForInitialSyncAsync(), "the sync");

        // resourceVersion=0: served by the API server's watch cache, which ignores limit (as client-go's reflector relies on).
        Assert.Equal(10, watcher.Cache.Count);
        var list = Assert.Single(context.Server.Requests, r => r.Verb == "list" && r.Query.Contains("limit=3", StringComparison.Ordinal));
        Assert.Contains("resourceVersion=0", list.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relist_AfterCompaction_FromTheWatchCacheAtTheLastSyncedVersion()
    {
        var (watcher, view) = await StartSyncedAsync();
        await using var _ = watcher;
        await using var __ = view;
        context.Server.Faults.FreezeWatches();
        await context.CreateAsync("team-a", "while-frozen", "svc");
        context.Server.Faults.CompactHistory();
        context.Server.Faults.CloseAllWatches();
        context.Server.Faults.UnfreezeWatches();

        await Wait.UntilAsync(() => watcher.Cache.Get("team-a", "while-frozen") is not null, "the relist brought the missed object");

        // The relist is not a quorum read: it asks for the last synced version, without a limit, and is answered 200.
        var lists = context.Server.Requests.Where(r => r.Verb == "list" && r.Query.Contains("resourceVersion=", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lists.Count);
        Assert.DoesNotContain("limit=", lists[1].Query, StringComparison.Ordinal);
        Assert.DoesNotContain("resourceVersion=0", lists[1].Query, StringComparison.Ordinal);
        Assert.Equal(200, lists[1].StatusCode);
        Assert.DoesNotContain(context.Server.Requests, r => r.Verb == "list" && !r.Query.Contains("resourceVersion=", StringComparison.Ordinal) && r.Query.Contains("limit=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scope_SetOfNamespacesWithLabelSelector_OnlyMatchingObjectsAndLeavingOnesAreDeleted()
    {
        await context.CreateAsync("team-a", "a-match", "svc", "{\"app\":\"web\"}");
        await context.CreateAsync("team-a", "a-other", "svc", "{\"app\":\"db\"}");
        await context.CreateAsync("team-b", "b-match", "svc", "{\"app\":\"web\"}");
        await context.CreateAsync("team-c", "c-match", "svc", "{\"app\":\"web\"}");
        await using var watcher = context.CreateWatcher(WatcherTestContext.FastOptions(o =>
        {
            o.Namespaces.Add("team-a");
            o.Namespaces.Add("team-c");
            o.LabelSelector = "app=web";
        }));
        await using var view = new ConsumerView(watcher);
        await Wait.ForAsync(watcher.Cache.WaitForInitialSyncAsync(), "the sync of both namespaces");

        await context.PatchAsync("team-a", "a-match", "{\"metadata\":{\"labels\":{\"app\":\"api\"}}}");
        await context.CreateAsync("team-c", "c-new", "svc", "{\"app\":\"web\"}");
        await Wait.UntilAsync(() => watcher.Cache.Get("team-c", "c-new") is not null && watcher.Cache.Get("team-a", "a-match") is null, "the label change and the create arrived");

        Assert.Equal(["team-c/c-match", "team-c/c-new"], WatcherTestContext.CacheState(watcher).Keys.Order(StringComparer.Ordinal));
        Assert.Contains(view.Changes, c => c.Type == ResourceChangeType.Deleted && c.Resource!.Metadata.Name == "a-match");
        Assert.Empty(view.Violations);
        Assert.Equal(2, WatcherLists());
        Assert.Contains(context.Server.Requests, r => r.Path.Contains("/namespaces/team-c/", StringComparison.Ordinal) && r.Verb == "watch");
    }

    [Fact]
    public async Task Watch_BuiltInPodsAndSecrets_CachedWithAnIndexOfMountedSecrets()
    {
        await context.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "app1-pki" }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, "team-a");
        var podOptions = WatcherTestContext.FastOptions().AddIndex<V1Pod>("secret", p => p.Spec?.Volumes?.Where(v => v.Secret is not null).Select(v => v.Secret.SecretName) ?? []);
        await using var pods = new CustomResourceWatcher<V1Pod>(context.Client, podOptions);
        await using var secrets = new CustomResourceWatcher<V1Secret>(context.Client, WatcherTestContext.FastOptions());
        await Wait.ForAsync(Task.WhenAll(pods.Cache.WaitForInitialSyncAsync(), secrets.Cache.WaitForInitialSyncAsync()), "both syncs");

        await context.Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "app1" },
                Spec = new V1PodSpec
                {
                    Containers = [new V1Container { Name = "c", Image = "busybox" }],
                    Volumes = [new V1Volume { Name = "pki", Secret = new V1SecretVolumeSource { SecretName = "app1-pki" } }],
                },
            },
            "team-a");
        await Wait.UntilAsync(() => pods.Cache.ListByIndex("secret", "app1-pki").Count == 1, "the pod is indexed by its secret");

        var secret = secrets.Cache.Get("team-a", "app1-pki");
        Assert.NotNull(secret);
        Assert.Equal("Secret", secret.Kind);
        Assert.Null(secret.Metadata.ManagedFields);
        Assert.Equal("app1", pods.Cache.ListByIndex("secret", "app1-pki")[0].Metadata.Name);
        Assert.Contains(context.Server.Requests, r => r.Path == "/api/v1/pods" && r.Verb == "watch");
    }

    [Fact]
    public async Task Watch_ServerSideTimeoutEndsStream_ResumedAtOnceWithoutBackoff()
    {
        var options = WatcherTestContext.FastOptions(o =>
        {
            o.MinWatchTimeout = TimeSpan.FromSeconds(1);
            o.MaxWatchTimeout = TimeSpan.FromSeconds(1);
            o.InitialBackoff = TimeSpan.FromSeconds(30);
            o.MaxBackoff = TimeSpan.FromSeconds(30);
        });
        var (watcher, view) = await StartSyncedAsync(options);
        await using var _ = watcher;
        await using var __ = view;

        await Wait.UntilAsync(() => context.Server.CountRequests("watch") >= 3, "two rotations of the watch", TimeSpan.FromSeconds(10));
        await context.CreateAsync("team-a", "after-rotation", "svc");

        await Wait.UntilAsync(() => watcher.Cache.Get("team-a", "after-rotation") is not null, "the change after the rotations");
        Assert.All(context.Server.Requests.Where(r => r.Verb == "watch"), r => Assert.Contains("timeoutSeconds=1", r.Query, StringComparison.Ordinal));
        Assert.Equal(1, WatcherLists());
    }
}
