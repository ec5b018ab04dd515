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
/// <remarks>
/// Tests without injected faults take the cluster fixture (fresh namespaces, watchers restricted to them, request counts
/// checked only in-process); fault tests start their own in-process server and say so.
/// </remarks>
public sealed class CustomResourceWatcherIntegrationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>, IAsyncLifetime
{
    private static readonly string[] TeamNamespaces = ["team-a", "team-b"];
    private WatcherTestContext context = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (context is not null)
        {
            await context.DisposeAsync();
        }
    }

    /// <summary>Whether a request is a list sent by a watcher (it carries resourceVersion= or, when consistent, limit=), not a test's own state check.</summary>
    private static bool IsWatcherList(Box.K8sEventReporting.Testing.ApiServer.RecordedRequest r) =>
        r.Verb == "list" && (r.Query.Contains("resourceVersion=", StringComparison.Ordinal) || r.Query.Contains("limit=", StringComparison.Ordinal));

    /// <summary>Lists sent by watchers to a server of the test's own.</summary>
    private static int WatcherLists(Box.K8sEventReporting.Testing.ApiServer.InProcessApiServer server) => server.Requests.Count(IsWatcherList);

    /// <summary>Lists sent by this test's watchers on the shared fixture server (only its namespaces' paths).</summary>
    private int WatcherLists(Box.K8sEventReporting.Testing.ApiServer.InProcessApiServer server, string? team = null) =>
        context.OwnRequests(server).Count(r => IsWatcherList(r) && (team is null || r.Path.Contains("/" + context.Ns(team) + "/", StringComparison.Ordinal)));

    private async Task<(CustomResourceWatcher<TestPki> Watcher, ConsumerView View)> StartSyncedAsync(CustomResourceWatcherOptions? options = null)
    {
        await context.CreateAsync("team-a", "seed-1", "one");
        await context.CreateAsync("team-b", "seed-2", "two");
        var watcher = context.CreateWatcher(options);
        var view = new ConsumerView(watcher);
        await Wait.ForAsync(watcher.Cache.WaitForInitialSyncAsync(), "the initial sync");
        await Wait.UntilAsync(
            () =>
            {
                var open = true;   // on a real cluster the watch cannot be seen; it resumes from the list's version anyway
                context.InProcess(server => open = context.OwnRequests(server).Any(r => r.Verb == "watch"));
                return open;
            },
            "the watch is open");
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
    [Trait("Cluster", "InProcessOnly")] // Closes every watch (ApiServerFaults).
    public async Task Watch_ServerClosesWatchesWhileObjectsChange_ResumesAndConsumerViewMatchesServer()
    {
        context = await WatcherTestContext.StartAsync();
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
        Assert.Equal(1, WatcherLists(context.Server));
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Compacts the history to force a 410 (ApiServerFaults).
    public async Task Watch_HistoryCompactedWhileObjectsChange_RelistsAndEmitsOnlyMissedChanges()
    {
        context = await WatcherTestContext.StartAsync();
        var (watcher, view) = await StartSyncedAsync();
        await using var _ = watcher;
        await using var __ = view;

        await RunFaultUnderChurnAsync(2, view, async () =>
        {
            context.Server.Faults.FreezeWatches();
            var lists = WatcherLists(context.Server);
            var frozenAt = context.Server.ResourceVersion;
            await Wait.UntilAsync(() => context.Server.ResourceVersion >= frozenAt + 3, "changes the frozen watch did not deliver");
            context.Server.Faults.CompactHistory();
            context.Server.Faults.CloseAllWatches();
            context.Server.Faults.UnfreezeWatches();
            await Wait.UntilAsync(() => WatcherLists(context.Server) > lists, "the watcher relisted after 410");
        });

        await context.AssertConvergedAsync(watcher, view);
        Assert.True(WatcherLists(context.Server) >= 2);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Sends an ERROR event into the watches (ApiServerFaults).
    public async Task Watch_ExpiredErrorEventWhileObjectsChange_RelistsAndConsumerViewMatchesServer()
    {
        context = await WatcherTestContext.StartAsync();
        var (watcher, view) = await StartSyncedAsync();
        await using var _ = watcher;
        await using var __ = view;

        await RunFaultUnderChurnAsync(3, view, async () =>
        {
            var lists = WatcherLists(context.Server);

            context.Server.Faults.SendErrorToWatches(new V1Status { Status = "Failure", Code = 410, Reason = "Expired", Message = "too old resource version: 1 (2)" });
            await Wait.UntilAsync(() => WatcherLists(context.Server) > lists, "the watcher relisted after the ERROR event");
        });

        await context.AssertConvergedAsync(watcher, view);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Freezes the watches (ApiServerFaults).
    public async Task Watch_HalfOpenConnectionWhileObjectsChange_RestartedAfterInactivityAndViewMatches()
    {
        context = await WatcherTestContext.StartAsync();
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
    [Trait("Cluster", "InProcessOnly")] // Answers 429 and 503 (ApiServerFaults).
    public async Task Watch_ThrottledWith429AndRetryAfterWhileObjectsChange_RetriesAndViewMatches()
    {
        context = await WatcherTestContext.StartAsync();
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
    [Trait("Cluster", "InProcessOnly")] // Stores schema-less malformed objects and injects garbage lines (ApiServerFaults).
    public async Task Watch_MalformedObjectAndGarbageLine_SurfacedAsDecodeFailuresAndWatchGoesOn()
    {
        context = await WatcherTestContext.StartAsync();
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
    [Trait("Cluster", "InProcessOnly")] // Answers 503 to the first lists (ApiServerFaults).
    public async Task Start_ServerRefusesAtFirst_KeepsTryingAndSyncsOnceItAnswers()
    {
        context = await WatcherTestContext.StartAsync();
        context.Server.Faults.FailNext(3, "pkis", 503, verb: "list");
        await context.CreateAsync("team-a", "x", "svc");
        await using var watcher = context.CreateWatcher();

        var sync = watcher.Cache.WaitForInitialSyncAsync();
        await Wait.ForAsync(sync, "the sync after three refusals");

        Assert.True(watcher.Cache.HasSynced);
        Assert.Equal(4, WatcherLists(context.Server));
        Assert.NotNull(watcher.Cache.Get("team-a", "x"));
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Needs no server at all: the address is unreachable on purpose.
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
        context = await WatcherTestContext.StartAsync(cluster);
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
        context.InProcess(server =>
        {
            // One list and one watch per watched namespace, whatever the number of consumers.
            Assert.Equal(context.WatchedNamespaces, WatcherLists(server, null));
            Assert.Equal(context.WatchedNamespaces, context.OwnRequests(server).Count(r => r.Verb == "watch"));
        });
    }

    [Fact]
    public async Task List_InitialListFromTheWatchCache_OneRequestWhateverThePageSize()
    {
        context = await WatcherTestContext.StartAsync(cluster);
        for (var i = 0; i < 10; i++)
        {
            await context.CreateAsync("team-a", $"p{i}", "svc");
        }

        await using var watcher = context.CreateWatcher(WatcherTestContext.FastOptions(o => o.PageSize = 3));
        await Wait.ForAsync(watcher.Cache.WaitForInitialSyncAsync(), "the sync");

        // resourceVersion=0: served by the API server's watch cache, which ignores limit (as client-go's reflector relies on).
        Assert.Equal(10, watcher.Cache.Count);
        context.InProcess(server =>
        {
            var list = Assert.Single(context.OwnRequests(server), r => IsWatcherList(r) && r.Path.Contains("/" + context.Ns("team-a") + "/", StringComparison.Ordinal));
            Assert.Contains("resourceVersion=0", list.Query, StringComparison.Ordinal);
            Assert.Contains("limit=3", list.Query, StringComparison.Ordinal);
        });
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Compacts the history to force a relist (ApiServerFaults).
    public async Task Relist_AfterCompaction_FromTheWatchCacheAtTheLastSyncedVersion()
    {
        context = await WatcherTestContext.StartAsync();
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
        context = await WatcherTestContext.StartAsync(cluster);
        await context.CreateAsync("team-a", "a-match", "svc", "{\"app\":\"web\"}");
        await context.CreateAsync("team-a", "a-other", "svc", "{\"app\":\"db\"}");
        await context.CreateAsync("team-b", "b-match", "svc", "{\"app\":\"web\"}");
        await context.CreateAsync("team-c", "c-match", "svc", "{\"app\":\"web\"}");
        await using var watcher = context.CreateWatcher(WatcherTestContext.FastOptions(o =>
        {
            o.Namespaces.Add(context.Ns("team-a"));
            o.Namespaces.Add(context.Ns("team-c"));
            o.LabelSelector = "app=web";
        }));
        await using var view = new ConsumerView(watcher);
        await Wait.ForAsync(watcher.Cache.WaitForInitialSyncAsync(), "the sync of both namespaces");

        await context.PatchAsync("team-a", "a-match", "{\"metadata\":{\"labels\":{\"app\":\"api\"}}}");
        await context.CreateAsync("team-c", "c-new", "svc", "{\"app\":\"web\"}");
        await Wait.UntilAsync(() => watcher.Cache.Get(context.Ns("team-c"), "c-new") is not null && watcher.Cache.Get(context.Ns("team-a"), "a-match") is null, "the label change and the create arrived");

        Assert.Equal([context.Ns("team-c") + "/c-match", context.Ns("team-c") + "/c-new"], WatcherTestContext.CacheState(watcher).Keys.Order(StringComparer.Ordinal));
        Assert.Contains(view.Changes, c => c.Type == ResourceChangeType.Deleted && c.Resource!.Metadata.Name == "a-match");
        Assert.Empty(view.Violations);
        context.InProcess(server =>
        {
            Assert.Equal(2, WatcherLists(server, null));
            Assert.Contains(server.Requests, r => r.Path.Contains($"/namespaces/{context.Ns("team-c")}/", StringComparison.Ordinal) && r.Verb == "watch");
        });
    }

    [Fact]
    public async Task Watch_BuiltInPodsAndSecrets_CachedWithAnIndexOfMountedSecrets()
    {
        context = await WatcherTestContext.StartAsync(cluster);
        await context.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "app1-pki" }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, context.Ns("team-a"));
        var podOptions = context.Scoped(WatcherTestContext.FastOptions()).AddIndex<V1Pod>("secret", p => p.Spec?.Volumes?.Where(v => v.Secret is not null).Select(v => v.Secret.SecretName) ?? []);
        await using var pods = new CustomResourceWatcher<V1Pod>(context.Client, podOptions);
        await using var secrets = new CustomResourceWatcher<V1Secret>(context.Client, context.Scoped(WatcherTestContext.FastOptions()));
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
            context.Ns("team-a"));
        await Wait.UntilAsync(() => pods.Cache.ListByIndex("secret", "app1-pki").Count == 1, "the pod is indexed by its secret");

        var secret = secrets.Cache.Get(context.Ns("team-a"), "app1-pki");
        Assert.NotNull(secret);
        Assert.Equal("Secret", secret.Kind);
        Assert.Null(secret.Metadata.ManagedFields);
        Assert.Equal("app1", pods.Cache.ListByIndex("secret", "app1-pki")[0].Metadata.Name);
        context.InProcess(server => Assert.Contains(server.Requests, r => r.Path.EndsWith("/pods", StringComparison.Ordinal) && r.Verb == "watch"));
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Counts the watch rotations on the server.
    public async Task Watch_ServerSideTimeoutEndsStream_ResumedAtOnceWithoutBackoff()
    {
        context = await WatcherTestContext.StartAsync();
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
        Assert.Equal(1, WatcherLists(context.Server));
    }
}
