using Box.K8sEventReporting.Tests.TestSupport;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.Testing.ApiServer;
using Box.K8sEventReporting.Watching;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using k8s;

namespace Box.K8sEventReporting.IntegrationTests.Watching;

/// <summary>
/// An in-process API server serving Pkis (no schema, so malformed objects can be stored), a client, and write helpers;
/// or, from <see cref="StartAsync(ClusterFixture)"/>, the cluster fixture with fresh namespaces standing for team-a, team-b
/// and team-c, and watchers restricted to them (a real cluster has other Pkis).
/// </summary>
internal sealed class WatcherTestContext : IAsyncDisposable
{
    private static readonly string[] Teams = ["team-a", "team-b", "team-c"];
    private readonly Dictionary<string, string> namespaces;
    private readonly InProcessApiServer? server;
    private readonly bool owned;

    private WatcherTestContext(InProcessApiServer server, CapturingLoggerFactory logs)
    {
        Logs = logs;
        this.server = server;
        owned = true;
        Client = (Kubernetes)server.CreateClient();
        Http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        namespaces = Teams.ToDictionary(t => t, t => t, StringComparer.Ordinal);
    }

    private WatcherTestContext(ClusterFixture cluster, Dictionary<string, string> namespaces)
    {
        Logs = new CapturingLoggerFactory();
        server = cluster.Server;
        Client = (Kubernetes)cluster.Client;
        Http = cluster.Http;
        this.namespaces = namespaces;
    }

    /// <summary>Gets the in-process server of a context from <see cref="StartAsync(int)"/> (tests that need faults).</summary>
    public InProcessApiServer Server => owned ? server! : throw new InvalidOperationException("a cluster-fixture context has no server of its own; use InProcess(...)");

    public Kubernetes Client { get; }

    public HttpClient Http { get; }

    /// <summary>The real namespace standing for <paramref name="team"/> (team-a, team-b, team-c).</summary>
    public string Ns(string team) => namespaces.GetValueOrDefault(team, team);

    /// <summary>Runs a check only the in-process server can make (request counts); nothing on a real cluster.</summary>
    public void InProcess(Action<InProcessApiServer> check)
    {
        if (server is not null)
        {
            check(server);
        }
    }

    /// <summary>Gets how many namespaces a watcher from <see cref="CreateWatcher"/> lists and watches separately (1: the whole cluster, in-process).</summary>
    public int WatchedNamespaces => owned ? 1 : namespaces.Count;

    /// <summary>The requests about this context's namespaces (a fixture's server is shared by a class's tests).</summary>
    public IEnumerable<RecordedRequest> OwnRequests(InProcessApiServer inProcess) =>
        owned ? inProcess.Requests : inProcess.Requests.Where(r => namespaces.Values.Any(ns => r.Path.Contains("/namespaces/" + ns + "/", StringComparison.Ordinal)));

    /// <summary>Restricts a watcher's options to this context's namespaces, unless it names its own.</summary>
    public CustomResourceWatcherOptions Scoped(CustomResourceWatcherOptions options)
    {
        if (!owned && options.Namespaces.Count == 0)
        {
            foreach (var ns in namespaces.Values)
            {
                options.Namespaces.Add(ns);
            }
        }

        return options;
    }

    public static async Task<WatcherTestContext> StartAsync(ClusterFixture cluster)
    {
        var namespaces = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var team in Teams)
        {
            namespaces[team] = await cluster.CreateNamespaceAsync(team);
        }

        return new WatcherTestContext(cluster, namespaces);
    }

    public static async Task<WatcherTestContext> StartAsync(int historyLimit = 1000)
    {
        var logs = new CapturingLoggerFactory();
        var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions
        {
            LoggerFactory = logs,
            BookmarkInterval = TimeSpan.FromMilliseconds(200),
            TooLargeResourceVersionWait = TimeSpan.Zero,
            HistoryLimit = historyLimit,
        });
        server.RegisterCustomResource("box.com", "v1", "pkis", "Pki");
        foreach (var ns in new[] { "team-a", "team-b", "team-c" })
        {
            server.EnsureNamespace(ns);
        }

        return new WatcherTestContext(server, logs);
    }

    /// <summary>Options with tiny backoffs so that tests recover in milliseconds.</summary>
    public static CustomResourceWatcherOptions FastOptions(Action<CustomResourceWatcherOptions>? configure = null)
    {
        var options = new CustomResourceWatcherOptions
        {
            InitialBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
            InactivityTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        return options;
    }

    public CapturingLoggerFactory Logs { get; }

    public CustomResourceWatcher<TestPki> CreateWatcher(CustomResourceWatcherOptions? options = null) => new(Client, Scoped(options ?? FastOptions()), Logs);

    public Task<int> CreateAsync(string ns, string name, string serviceName, string? labels = null, string? extraSpec = null) =>
        SendAsync(HttpMethod.Post, $"/apis/box.com/v1/namespaces/{Ns(ns)}/pkis",
            "{\"apiVersion\":\"box.com/v1\",\"kind\":\"Pki\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + Ns(ns) + "\""
            + (labels is null ? string.Empty : ",\"labels\":" + labels) + "},\"spec\":{\"serviceName\":\"" + serviceName + "\"" + extraSpec + "}}");

    public Task<int> PatchAsync(string ns, string name, string mergePatch) =>
        SendAsync(HttpMethod.Patch, $"/apis/box.com/v1/namespaces/{Ns(ns)}/pkis/{name}", mergePatch, "application/merge-patch+json");

    public Task<int> UpdateServiceAsync(string ns, string name, string serviceName) =>
        PatchAsync(ns, name, "{\"spec\":{\"serviceName\":\"" + serviceName + "\"}}");

    public Task<int> DeleteAsync(string ns, string name) => SendAsync(HttpMethod.Delete, $"/apis/box.com/v1/namespaces/{Ns(ns)}/pkis/{name}", null);

    /// <summary>Every Pki on the server: "ns/name" → resourceVersion.</summary>
    public async Task<Dictionary<string, string>> ServerStateAsync()
    {
        using var response = await Http.GetAsync("apis/box.com/v1/pkis");
        response.EnsureSuccessStatusCode();
        var root = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return root["items"]!.AsArray().Where(i => namespaces.ContainsValue(i!["metadata"]!["namespace"]!.GetValue<string>())).ToDictionary(
            i => i!["metadata"]!["namespace"]!.GetValue<string>() + "/" + i["metadata"]!["name"]!.GetValue<string>(),
            i => i!["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    public static Dictionary<string, string> CacheState(ICustomResourceWatcher<TestPki> watcher) =>
        watcher.Cache.List().ToDictionary(p => p.Metadata.NamespaceProperty + "/" + p.Metadata.Name, p => p.Metadata.ResourceVersion);

    public static string Describe(IReadOnlyDictionary<string, string> state) =>
        string.Join(", ", state.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "@" + kv.Value));

    /// <summary>Waits until the cache and every consumer view equal the server's state, then asserts no consumer saw an inconsistency.</summary>
    public async Task AssertConvergedAsync(ICustomResourceWatcher<TestPki> watcher, params ConsumerView[] views)
    {
        Dictionary<string, string> server = [];
        await Wait.UntilAsync(
            async () =>
            {
                server = await ServerStateAsync();
                return SameState(server, CacheState(watcher)) && views.All(v => SameState(server, v.State));
            },
            "the cache and every consumer view equal the server's state",
            describe: () => $"server: [{Describe(server)}]; cache: [{Describe(CacheState(watcher))}]; views: {string.Join(" | ", views.Select(v => "[" + Describe(v.State) + "] violations: " + string.Join("; ", v.Violations)))}");
        foreach (var view in views)
        {
            Assert.Empty(view.Violations);
        }
    }

    public static bool SameState(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public async ValueTask DisposeAsync()
    {
        if (owned)
        {
            Http.Dispose();
            Client.Dispose();
            await server!.DisposeAsync();
        }
    }

    private async Task<int> SendAsync(HttpMethod method, string path, string? body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await Http.SendAsync(request);
        return (int)response.StatusCode;
    }
}

/// <summary>
/// A consumer of a watcher that rebuilds the state from the changes it receives and records every inconsistency:
/// a duplicate Added, a Modified or Deleted of an object it does not have (phantom), or a Modified that goes back in time.
/// </summary>
internal sealed class ConsumerView : IAsyncDisposable
{
    private readonly object gate = new();
    private readonly Dictionary<string, string> state = [];
    private readonly List<string> violations = [];
    private readonly List<ResourceChange<TestPki>> changes = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task pump;
    private TaskCompletionSource? paused;

    public ConsumerView(ICustomResourceWatcher<TestPki> watcher)
    {
        // The first MoveNextAsync runs synchronously up to the subscription, so the consumer is registered when this returns.
        var enumerator = watcher.WatchAsync(stop.Token).GetAsyncEnumerator();
        var first = enumerator.MoveNextAsync();
        pump = PumpAsync(enumerator, first);
    }

    public Dictionary<string, string> State
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<string, string>(state);
            }
        }
    }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (gate)
            {
                return [.. violations];
            }
        }
    }

    public IReadOnlyList<ResourceChange<TestPki>> Changes
    {
        get
        {
            lock (gate)
            {
                return [.. changes];
            }
        }
    }

    private async Task PumpAsync(IAsyncEnumerator<ResourceChange<TestPki>> enumerator, ValueTask<bool> first)
    {
        try
        {
            await using (enumerator)
            {
                var more = await first;
                while (more)
                {
                    if (Volatile.Read(ref paused) is { } gate)
                    {
                        await gate.Task.WaitAsync(stop.Token);
                    }

                    Apply(enumerator.Current);
                    more = await enumerator.MoveNextAsync();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops reading (as a slow consumer would) until <see cref="Resume"/>.</summary>
    public void Pause() => Interlocked.CompareExchange(ref paused, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    public void Resume() => Interlocked.Exchange(ref paused, null)?.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Resume();
        await stop.CancelAsync();
        await pump;
        stop.Dispose();
    }

    private void Apply(ResourceChange<TestPki> change)
    {
        lock (gate)
        {
            changes.Add(change);
            if (change.Type == ResourceChangeType.DecodeFailed)
            {
                if (change.DecodeFailure!.Name is { } failedName)
                {
                    state.Remove(change.DecodeFailure.Namespace + "/" + failedName);
                }

                return;
            }

            var obj = change.Resource!;
            var key = obj.Metadata.NamespaceProperty + "/" + obj.Metadata.Name;
            var rv = obj.Metadata.ResourceVersion;
            var known = state.TryGetValue(key, out var oldRv);
            switch (change.Type)
            {
                case ResourceChangeType.Added:
                    if (known)
                    {
                        violations.Add($"duplicate Added {key}@{rv} (had @{oldRv})");
                    }

                    state[key] = rv;
                    break;
                case ResourceChangeType.Modified:
                    if (!known)
                    {
                        violations.Add($"Modified of unknown {key}@{rv}");
                    }
                    else if (long.Parse(rv, CultureInfo.InvariantCulture) <= long.Parse(oldRv!, CultureInfo.InvariantCulture))
                    {
                        violations.Add($"Modified {key} went back from @{oldRv} to @{rv}");
                    }

                    state[key] = rv;
                    break;
                case ResourceChangeType.Deleted:
                    if (!known)
                    {
                        violations.Add($"phantom Deleted {key}@{rv}");
                    }

                    state.Remove(key);
                    break;
                case ResourceChangeType.Resync:
                    if (!known || oldRv != rv)
                    {
                        violations.Add($"Resync of {key}@{rv} that the consumer holds as @{oldRv}");
                    }

                    break;
                default:
                    break;
            }
        }
    }
}

/// <summary>Creates, updates and deletes Pkis at random (seeded) until stopped, like other users of the cluster.</summary>
internal sealed class Churn : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int operations;

    public Churn(WatcherTestContext context, int seed, string[] namespaces, int maxObjects = 20, int? maxOperations = null)
    {
        var random = new Random(seed);
        loop = Task.Run(async () =>
        {
            var names = new List<(string Ns, string Name)>();
            var next = 0;
            while (!stop.IsCancellationRequested && (maxOperations is null || operations < maxOperations))
            {
                var roll = random.Next(100);
                if (names.Count == 0 || (roll < 40 && names.Count < maxObjects))
                {
                    var item = (namespaces[random.Next(namespaces.Length)], $"pki-{seed}-{next++}");
                    if (await context.CreateAsync(item.Item1, item.Item2, "svc" + random.Next(1000)) == 201)
                    {
                        names.Add(item);
                    }
                }
                else if (roll < 80)
                {
                    var (ns, name) = names[random.Next(names.Count)];
                    await context.UpdateServiceAsync(ns, name, "svc" + random.Next(1000));
                }
                else
                {
                    var index = random.Next(names.Count);
                    var (ns, name) = names[index];
                    if (await context.DeleteAsync(ns, name) is 200 or 404)
                    {
                        names.RemoveAt(index);
                    }
                }

                Interlocked.Increment(ref operations);
            }
        });
    }

    public int Operations => Volatile.Read(ref operations);

    public Task Completion => loop;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
