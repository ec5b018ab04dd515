using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Box.K8sEventReporting.Testing.ApiServer;
using ControlPlane;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// The whole loop over loopback HTTP, as in PERFORMANCE-BAR.md: N namespaces, each with 2 bare pods mounting the Secret
/// of its one Pki (10% with an invalid serviceName). The API server (in-process, Kestrel) and the load generator run in
/// this process; the controller runs in a child process of its own (<see cref="LoopChild"/>), started and synced before
/// the clock starts. Timed from the first Pki create until every valid Pki has its Secret and every pod of an invalid
/// one has its Warning. Requests are counted by the server from the moment the controller is synced, minus the load
/// generator's own Pki creates.
/// </summary>
internal static class LoopBenchmark
{
    private const string PkiName = "app-pki";
    private const int Parallelism = 16;

    private static readonly string[] WriteVerbs = ["create", "update", "patch", "delete", "deletecollection"];
    private static readonly string[] Verbs = ["create", "update", "patch", "delete", "get", "list", "watch"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == LoopChild.Flag)
        {
            return await LoopChild.RunAsync(args[1..]);
        }

        var sizes = new List<int>();
        string[] kinds = ["seed", "ours"];
        var cold = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--only" && i + 1 < args.Length)
            {
                kinds = [args[++i]];
            }
            else if (args[i] == "--cold")
            {
                cold = true;
            }
            else
            {
                sizes.Add(int.Parse(args[i], NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
            }
        }

        if (sizes.Count == 0)
        {
            sizes = [100, 1000];
        }

        var allowedNames = Path.Combine(Path.GetTempPath(), $"loop-allowedNames-{Environment.ProcessId}");
        await File.WriteAllTextAsync(allowedNames, "app1\napp2\n");
        try
        {
            Console.WriteLine($"# Loop benchmark ({Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd})");
            Console.WriteLine("warm-up (server JIT, not reported) ...");
            foreach (var kind in kinds)
            {
                await RunOneAsync(kind, 20, allowedNames, quiet: true, cold);
            }

            var rows = new List<string>();
            foreach (var n in sizes)
            {
                foreach (var kind in kinds)
                {
                    rows.Add(await RunOneAsync(kind, n, allowedNames, quiet: false, cold));
                    Console.WriteLine(rows[^1]);
                }
            }

            Console.WriteLine();
            Console.WriteLine("| controller | N | seconds | last Pki created at s | requests after sync | requests/Pki | writes after sync | by verb (after sync) | 4xx/5xx | controller CPU s | peak RSS MB | heap MB at sync | heap MB at end | Event objects | requests to sync | after a restart: requests | Event objects after restart |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var row in rows)
            {
                Console.WriteLine(row);
            }
        }
        finally
        {
            File.Delete(allowedNames);
        }

        return 0;
    }

    // cold: create the Pkis before the controller starts and time from its start (a controller deployed into a cluster
    // that already has them); requests then include its initial LISTs.
    private static async Task<string> RunOneAsync(string kind, int n, string allowedNames, bool quiet, bool cold)
    {
        var label = $"[{kind} N={n:N0}]";
        var limit = TimeSpan.FromSeconds(Math.Max(60, n * 0.03));
        await using var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { MaxRecordedRequests = 5_000_000 });
        server.RegisterCustomResource("box.com", "v1", "pkis", "Pki");
        using var client = server.CreateClient();
        using var stopWatches = new CancellationTokenSource();

        // Setup, untimed: namespaces (directly) and 2 pods each (over HTTP).
        var setup = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            server.EnsureNamespace(Ns(i));
        }

        await Parallel.ForEachAsync(
            Enumerable.Range(0, 2 * n),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (j, ct) => await client.CoreV1.CreateNamespacedPodAsync(Pod(Ns(j / 2), $"app-{j % 2}"), Ns(j / 2), cancellationToken: ct));
        if (!quiet)
        {
            Console.WriteLine($"{label} setup: {n:N0} namespaces, {2 * n:N0} pods in {setup.Elapsed.TotalSeconds:N1} s");
        }

        // What "done" means, watched by the load generator over two watches opened before the controller starts.
        var tracker = new Tracker(n);
        var watches = new[] { WatchSecretsAsync(client, tracker, stopWatches.Token), WatchEventsAsync(client, tracker, stopWatches.Token) };
        await WaitUntilAsync(() => server.CountRequests("watch") >= 2, TimeSpan.FromSeconds(10));

        var timer = new Stopwatch();
        var createdIn = TimeSpan.Zero;
        if (cold)
        {
            createdIn = await CreatePkisAsync(client, n, Stopwatch.StartNew());
            server.ClearRequests();
            timer.Start();
        }

        var beforeChild = server.CountRequests();
        using var child = StartChild(kind, server.BaseAddress.ToString(), allowedNames);
        var lines = new ChildLines(child);
        var ready = await lines.ReadAsync("@READY", TimeSpan.FromSeconds(150));
        var cpuAtReady = long.Parse(ready[1], CultureInfo.InvariantCulture);
        var syncHeapMb = long.Parse(ready[2], CultureInfo.InvariantCulture) / 1048576.0;
        await WaitUntilAsync(() => server.CountRequests("watch", "/pkis") >= 1, TimeSpan.FromSeconds(10));
        var sync = server.Requests.Skip(beforeChild).ToList();
        var syncByVerb = string.Join(", ", Verbs.Select(v => (v, c: sync.Count(r => r.Verb == v))).Where(x => x.c > 0).Select(x => $"{x.v} {x.c:N0}"));
        var creating = Task.FromResult(createdIn);
        if (!cold)
        {
            // Timed: N Pkis created concurrently (bounded), then wait for every Secret and every Warning.
            server.ClearRequests();
            timer.Start();
            creating = CreatePkisAsync(client, n, timer);
        }

        var lastProgress = TimeSpan.Zero;
        while (!tracker.Done.IsCompleted && timer.Elapsed < limit)
        {
            await Task.WhenAny(tracker.Done, Task.Delay(100));
            if (!quiet && timer.Elapsed - lastProgress >= TimeSpan.FromSeconds(2))
            {
                lastProgress = timer.Elapsed;
                Console.WriteLine($"{label} {timer.Elapsed.TotalSeconds:N1} s: {tracker.Progress}, {server.CountRequests():N0} requests");
            }
        }

        var elapsed = timer.Elapsed;
        createdIn = await creating;
        var completed = tracker.Done.IsCompleted;
        if (!completed)
        {
            Console.WriteLine($"{label} NOT DONE after {limit.TotalSeconds:N0} s: {tracker.Progress}");
        }

        // Let trailing writes (status conditions, Normal Events) land: until 1.5 s pass with no new request (at most 30 s).
        await SettleAsync(server, TimeSpan.FromSeconds(30));

        var requests = server.Requests
            .Where(r => !(r.Verb == "create" && r.Path.EndsWith("/" + "pkis", StringComparison.Ordinal)))
            .ToList();
        await child.StandardInput.WriteLineAsync("STATS");
        var stats = await lines.ReadAsync("@STATS", TimeSpan.FromSeconds(60));
        var counters = await lines.ReadAsync("@METRICS", TimeSpan.FromSeconds(10));
        if (!quiet && counters.Length > 1)
        {
            Console.WriteLine($"{label} library counters since start: {string.Join(' ', counters.Skip(1))}");
        }

        await StopAsync(child);
        var eventObjects = (await client.CoreV1.ListEventForAllNamespacesAsync()).Items.Count;

        // A controller restart (an upgrade, a crash, a rescheduled pod): a fresh process over the same cluster, counted
        // from its start until 1.5 s pass without a request. Nothing changed, so the floor is its initial LISTs and WATCHes.
        server.ClearRequests();
        var rewatchesBefore = tracker.Rewatches;
        var restartClock = Stopwatch.StartNew();
        List<RecordedRequest> afterRestart;
        int shutdownRequests;
        using (var again = StartChild(kind, server.BaseAddress.ToString(), allowedNames))
        {
            var againLines = new ChildLines(again);
            await againLines.ReadAsync("@READY", TimeSpan.FromSeconds(150));
            await SettleAsync(server, limit);
            await again.StandardInput.WriteLineAsync("STATS");
            await againLines.ReadAsync("@STATS", TimeSpan.FromSeconds(60));
            var againCounters = await againLines.ReadAsync("@METRICS", TimeSpan.FromSeconds(10));
            if (!quiet && againCounters.Length > 1)
            {
                Console.WriteLine($"{label} library counters of the restarted controller: {string.Join(' ', againCounters.Skip(1))}");
            }

            afterRestart = server.Requests.ToList();
            await StopAsync(again);
            shutdownRequests = server.CountRequests() - afterRestart.Count;
        }

        var restartRewatches = tracker.Rewatches - rewatchesBefore;
        var restartByVerb = string.Join(
            ", ",
            afterRestart.GroupBy(r => $"{r.Verb} {ResourceOf(r.Path)}{(r.StatusCode >= 400 ? " " + r.StatusCode.ToString(CultureInfo.InvariantCulture) : string.Empty)}")
                .Select(g => (g.Key, c: g.Count() - (g.Key.StartsWith("watch", StringComparison.Ordinal) ? restartRewatches : 0)))
                .Where(x => x.c > 0)
                .OrderByDescending(x => x.c)
                .Select(x => $"{x.Key} {x.c:N0}"));
        var eventObjectsAfterRestart = (await client.CoreV1.ListEventForAllNamespacesAsync()).Items.Count;
        if (!quiet)
        {
            var patchedEvents = afterRestart.Where(r => r.Verb == "patch" && ResourceOf(r.Path) == "events").Select(r => r.Path).Distinct(StringComparer.Ordinal).Count();
            Console.WriteLine($"{label} restart: {afterRestart.Count - restartRewatches:N0} requests ({restartByVerb}) in {restartClock.Elapsed.TotalSeconds:N1} s incl. 1.5 s quiet, Event objects {eventObjects:N0} -> {eventObjectsAfterRestart:N0}, distinct Events patched {patchedEvents:N0}; then {shutdownRequests:N0} requests while it stopped (flush)");
        }

        await stopWatches.CancelAsync();
        await Task.WhenAll(watches);

        var cpu = (long.Parse(stats[1], CultureInfo.InvariantCulture) - cpuAtReady) / 1000.0;
        var peakMb = long.Parse(stats[2], CultureInfo.InvariantCulture) / 1048576.0;
        var managedMb = long.Parse(stats[3], CultureInfo.InvariantCulture) / 1048576.0;
        var total = requests.Count - tracker.Rewatches;
        var writes = requests.Count(r => WriteVerbs.Contains(r.Verb));
        var errors = requests.Count(r => r.StatusCode >= 400);
        var byVerb = string.Join(
            ", ",
            Verbs.Select(v => (v, c: requests.Count(r => r.Verb == v) - (v == "watch" ? tracker.Rewatches : 0))).Where(x => x.c > 0).Select(x => $"{x.v} {x.c:N0}"));
        var restarts = stats[5] != "0" ? $" (watch restarts {stats[5]})" : string.Empty;
        var name = (kind == "seed" ? "seed's logic (raw watch, LIST pods per error, delete+create Secret)" : "ours (ControlPlane sample)") + restarts + (cold ? ", cold start" : string.Empty);
        var seconds = completed ? elapsed.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture) : $"> {limit.TotalSeconds:N0} (not done: {tracker.Progress})";
        return $"| {name} | {n:N0} | {seconds} | {createdIn.TotalSeconds:N2} | {total:N0} | {(double)total / n:N2} | {writes:N0} | {byVerb} | {errors:N0} | {cpu:N2} | {peakMb:N0} | {syncHeapMb:N1} | {managedMb:N1} | {eventObjects:N0} | {syncByVerb} | {afterRestart.Count - restartRewatches:N0} ({restartByVerb}) | {eventObjectsAfterRestart:N0} |";
    }

    /// <summary>The resource a path names: <c>events</c>, <c>pods</c>, <c>pkis/status</c>...</summary>
    private static string ResourceOf(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.IndexOf(parts, "namespaces");
        var rest = i >= 0 && parts.Length > i + 2 ? parts[(i + 2)..] : parts[^1..];
        return rest.Length >= 3 ? rest[0] + "/" + rest[2] : rest[0];
    }

    private static async Task SettleAsync(InProcessApiServer server, TimeSpan limit)
    {
        var count = server.CountRequests();
        var quietFor = Stopwatch.StartNew();
        var settling = Stopwatch.StartNew();
        while (quietFor.Elapsed < TimeSpan.FromSeconds(1.5) && settling.Elapsed < limit)
        {
            await Task.Delay(250);
            var now = server.CountRequests();
            if (now != count)
            {
                count = now;
                quietFor.Restart();
            }
        }
    }

    private static async Task StopAsync(Process child)
    {
        await child.StandardInput.WriteLineAsync("STOP");
        if (!child.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            child.Kill(entireProcessTree: true);
        }
    }

    private static async Task<TimeSpan> CreatePkisAsync(IKubernetes client, int n, Stopwatch timer)
    {
        await Parallel.ForEachAsync(
            Enumerable.Range(0, n),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (i, ct) => await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                new Pki { Metadata = new V1ObjectMeta { Name = PkiName, NamespaceProperty = Ns(i) }, Spec = new PkiSpec { ServiceName = Tracker.IsInvalid(i) ? "appp1" : $"app{1 + (i % 2)}" } },
                "box.com",
                "v1",
                Ns(i),
                "pkis",
                cancellationToken: ct));
        return timer.Elapsed;
    }

    private static string Ns(int i) => $"loop-{i:D5}";

    private static V1Pod Pod(string ns, string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = "app" } },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "app", Image = "busybox:1.36", Command = ["sleep", "3600"], VolumeMounts = [new V1VolumeMount { Name = "pki", MountPath = "/etc/pki" }] }],
            Volumes = [new V1Volume { Name = "pki", Secret = new V1SecretVolumeSource { SecretName = PkiName } }],
        },
    };

    private static Process StartChild(string kind, string serverUrl, string allowedNames)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        // The bench's own runtimeconfig turns concurrent GC off; the controller gets the ControlPlane sample's default (on).
        start.Environment["DOTNET_gcConcurrent"] = "1";
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var arg in new[] { "loop", LoopChild.Flag, kind, serverUrl, allowedNames })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start the controller process");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException("a watch did not start");
            }

            await Task.Delay(10);
        }
    }

    private static async Task WatchSecretsAsync(IKubernetes client, Tracker tracker, CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var (type, secret) in client.CoreV1.WatchListSecretForAllNamespacesAsync(resourceVersion: resourceVersion, cancellationToken: cancellationToken))
                {
                    resourceVersion = secret.Metadata.ResourceVersion;
                    if (type is WatchEventType.Added or WatchEventType.Modified && secret.Metadata.Name == PkiName)
                    {
                        tracker.SecretSeen(secret.Metadata.NamespaceProperty);
                    }
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            tracker.Rewatched();
        }
    }

    private static async Task WatchEventsAsync(IKubernetes client, Tracker tracker, CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var (type, e) in client.CoreV1.WatchListEventForAllNamespacesAsync(resourceVersion: resourceVersion, cancellationToken: cancellationToken))
                {
                    resourceVersion = e.Metadata.ResourceVersion;
                    if (type is WatchEventType.Added or WatchEventType.Modified && e.Type == "Warning" && e.InvolvedObject?.Kind == "Pod")
                    {
                        tracker.WarningSeen(e.InvolvedObject.NamespaceProperty, e.InvolvedObject.Name);
                    }
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            tracker.Rewatched();
        }
    }

    /// <summary>What remains to be seen: the Secret of every valid Pki and a Warning on every pod of an invalid one.</summary>
    private sealed class Tracker
    {
        private readonly ConcurrentDictionary<string, byte> pendingSecrets = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte> pendingPods = new(StringComparer.Ordinal);
        private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly int secrets;
        private readonly int pods;
        private int rewatches;

        public Tracker(int n)
        {
            for (var i = 0; i < n; i++)
            {
                if (IsInvalid(i))
                {
                    pendingPods[Ns(i) + "/app-0"] = 0;
                    pendingPods[Ns(i) + "/app-1"] = 0;
                }
                else
                {
                    pendingSecrets[Ns(i)] = 0;
                }
            }

            secrets = pendingSecrets.Count;
            pods = pendingPods.Count;
        }

        public Task Done => done.Task;

        public int Rewatches => Volatile.Read(ref rewatches);

        public string Progress => $"Secrets {secrets - pendingSecrets.Count:N0}/{secrets:N0}, warned pods {pods - pendingPods.Count:N0}/{pods:N0}";

        public static bool IsInvalid(int i) => i % 10 == 0;

        public void SecretSeen(string ns)
        {
            pendingSecrets.TryRemove(ns, out _);
            CheckDone();
        }

        public void WarningSeen(string ns, string pod)
        {
            pendingPods.TryRemove(ns + "/" + pod, out _);
            CheckDone();
        }

        public void Rewatched() => Interlocked.Increment(ref rewatches);

        private void CheckDone()
        {
            if (pendingSecrets.IsEmpty && pendingPods.IsEmpty)
            {
                done.TrySetResult();
            }
        }
    }

    /// <summary>Reads the child's stdout: protocol lines (starting with @) are handed over, anything else is echoed.</summary>
    private sealed class ChildLines
    {
        private readonly System.Threading.Channels.Channel<string[]> protocol = System.Threading.Channels.Channel.CreateUnbounded<string[]>();

        public ChildLines(Process child) => _ = Task.Run(async () =>
        {
            while (await child.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith('@'))
                {
                    await protocol.Writer.WriteAsync(line.Split(' '));
                }
                else
                {
                    Console.WriteLine("  controller: " + line);
                }
            }

            protocol.Writer.TryComplete();
        });

        public async Task<string[]> ReadAsync(string tag, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                var line = await protocol.Reader.ReadAsync(cts.Token);
                if (line[0] == tag)
                {
                    return line;
                }
            }
        }
    }
}
