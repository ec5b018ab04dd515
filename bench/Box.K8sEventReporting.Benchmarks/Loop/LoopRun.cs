using System.Diagnostics;
using System.Globalization;
using k8s;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>What one run of one controller at one size is asked to do.</summary>
internal sealed record LoopSettings(string Kind, int N, string? ControllerDir, string AllowedNames, string WorkDir, bool Cold, bool Restart, bool RunningPods, string? Profile, string? ProfileTool, IReadOnlyDictionary<string, string> ControllerEnvironment, bool Quiet);

/// <summary>
/// One run on a fresh cluster: the API server process, the load generator (this process), the controller process.
/// Timed from the first Pki create (or, cold, from the controller's start) until done; CPU from /proc of each process.
/// </summary>
internal static class LoopRun
{
    private static readonly string[] WriteVerbs = ["create", "update", "patch", "delete", "deletecollection"];
    private static readonly string[] Verbs = ["create", "update", "patch", "delete", "get", "list", "watch"];

    public static async Task<LoopResult> RunAsync(LoopSettings s)
    {
        var label = $"[{s.Kind} N={s.N:N0}]";
        var limit = TimeSpan.FromSeconds(Math.Max(60, s.N * 0.05));
        var kubeconfig = Path.Combine(s.WorkDir, $"kubeconfig-{s.Kind}-{s.N}");
        await using var server = await ServerProcess.StartAsync(kubeconfig);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        using var load = new LoadGenerator(client, s.N, s.RunningPods);

        // Setup, untimed: namespaces (in the server), 2 pods each (over HTTPS), the two watches that see "done".
        var setup = Stopwatch.StartNew();
        await server.CreateNamespacesAsync(LoadGenerator.NamespacePrefix, s.N);
        await load.CreatePodsAsync();
        load.StartWatching();
        await WaitUntilAsync(async () => (await server.RequestsAsync()).Where(g => g.Verb == "watch").Sum(g => g.Count) >= 2, TimeSpan.FromSeconds(30));
        Log(s, $"{label} setup: {s.N:N0} namespaces, {2 * s.N:N0} pods ({await load.PodSizeAsync():N0} bytes of JSON each) in {setup.Elapsed.TotalSeconds:N1} s");

        var timer = new Stopwatch();
        var createdIn = Task.FromResult(TimeSpan.Zero);
        if (s.Cold)
        {
            createdIn = Task.FromResult(await load.CreatePkisAsync(Stopwatch.StartNew()));
            timer.Start();
        }

        await server.ClearRequestsAsync();
        using var controller = Start(s, kubeconfig, "");
        await controller.WaitReadyAsync(TimeSpan.FromSeconds(150));
        var startupCpu = controller.CpuSeconds();
        await WaitUntilAsync(async () => (await server.RequestsAsync()).Any(g => g.Verb == "watch" && g.Resource == "pkis"), TimeSpan.FromSeconds(30));
        var sync = s.Cold ? [] : await server.RequestsAsync();
        using var trace = s.Profile is null ? null : await Profiler.StartAsync(s.Profile, s.ProfileTool!, controller.Id, Path.Combine(s.WorkDir, $"{s.Kind}-{s.N}"));
        var serverCpuAtStart = server.CpuSeconds();
        if (!s.Cold)
        {
            await server.ClearRequestsAsync();
            timer.Start();
            createdIn = load.CreatePkisAsync(timer);
        }

        var lastProgress = TimeSpan.Zero;
        while (!load.Tracker.Done.IsCompleted && timer.Elapsed < limit)
        {
            await Task.WhenAny(load.Tracker.Done, Task.Delay(100));
            if (!s.Quiet && timer.Elapsed - lastProgress >= TimeSpan.FromSeconds(2))
            {
                lastProgress = timer.Elapsed;
                Console.WriteLine($"{label} {timer.Elapsed.TotalSeconds:N1} s: {load.Tracker.Progress}, controller CPU {controller.CpuSeconds():N2} s");
            }
        }

        var elapsed = timer.Elapsed;
        var lastCreate = await createdIn;
        var completed = load.Tracker.Done.IsCompleted;
        if (!completed)
        {
            Console.WriteLine($"{label} NOT DONE after {limit.TotalSeconds:N0} s: {load.Tracker.Progress}");
        }

        // Trailing writes (status conditions, Events on Pkis) land until quiet (at most 30 s).
        await SettleAsync(server, controller, TimeSpan.FromSeconds(30));
        var totalCpu = controller.CpuSeconds();
        var serverCpu = server.CpuSeconds() - serverCpuAtStart;
        var peakRss = controller.PeakRssMb();
        if (trace is not null)
        {
            Log(s, $"{label} profile: {await trace.StopAsync()}");
        }

        var all = await server.RequestsAsync();
        await controller.StopAsync();
        var events = await load.EventsAsync();

        // The controller's own requests: all but the load generator's Pki creates and its watches opened again.
        var mine = all.Where(g => !(g.Verb == "create" && g.Resource == "pkis")).ToList();
        var total = mine.Sum(g => g.Count) - load.Tracker.Rewatches;
        var writes = mine.Where(g => WriteVerbs.Contains(g.Verb)).Sum(g => g.Count);
        var watched = s.Kind == "seed" ? new[] { "pkis", "pkis/status" } : ["pkis", "pkis/status", "pods", "secrets"];
        var watchEvents = all.Where(g => WriteVerbs.Contains(g.Verb) && g.StatusCode < 400 && watched.Contains(g.Resource)).Sum(g => g.Count);
        var loadCpu = totalCpu - startupCpu;
        var result = new LoopResult(
            s.Kind + (s.Cold ? ", cold start" : string.Empty),
            s.N,
            completed ? elapsed.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture) : $"> {limit.TotalSeconds:N0} (not done: {load.Tracker.Progress})",
            lastCreate.TotalSeconds,
            total,
            ByVerb(mine),
            writes,
            writes - load.Tracker.Floor,
            mine.Where(g => g.StatusCode >= 400).Sum(g => g.Count),
            startupCpu,
            loadCpu,
            total == 0 ? 0 : 1000 * loadCpu / total,
            watchEvents == 0 ? 0 : 1000 * loadCpu / watchEvents,
            peakRss,
            serverCpu,
            $"{events.Objects:N0} ({events.OnPods:N0} on pods), count sum {events.Count:N0}",
            ByVerb(sync),
            mine.Where(g => g.Protocol == "HTTP/2").Sum(g => g.Count) * 100.0 / Math.Max(1, mine.Sum(g => g.Count)));
        if (s.Restart)
        {
            result = result with { AfterRestart = await RestartAsync(s, label, server, kubeconfig, load, limit) };
        }

        await load.StopWatchingAsync();
        return result;
    }

    // A controller restart (an upgrade, a crash, a rescheduled pod): a fresh process over the same, unchanged cluster,
    // counted from its start until 1.5 s pass without a request. The floor is its initial LISTs and WATCHes.
    private static async Task<string> RestartAsync(LoopSettings s, string label, ServerProcess server, string kubeconfig, LoadGenerator load, TimeSpan limit)
    {
        await server.ClearRequestsAsync();
        var rewatches = load.Tracker.Rewatches;
        using var again = Start(s, kubeconfig, "-restart");
        await again.WaitReadyAsync(TimeSpan.FromSeconds(150));
        var startup = again.CpuSeconds();
        await WaitUntilAsync(async () => (await server.RequestsAsync()).Any(g => g.Verb == "watch" && g.Resource == "pkis"), TimeSpan.FromSeconds(30));
        await SettleAsync(server, again, limit);
        var cpu = again.CpuSeconds();
        var requests = await server.RequestsAsync();
        await again.StopAsync();
        var events = await load.EventsAsync();
        var count = requests.Sum(g => g.Count) - (load.Tracker.Rewatches - rewatches);
        var text = $"{count:N0} ({ByVerb(requests)}); CPU {startup:N2} s to ready, {cpu - startup:N2} s after; Event objects {events.Objects:N0}, count sum {events.Count:N0}";
        Log(s, $"{label} restart: {text}");
        return text;
    }

    private static ControllerProcess Start(LoopSettings s, string kubeconfig, string suffix)
    {
        var log = Path.Combine(s.WorkDir, $"controller-{s.Kind}-{s.N}{suffix}.log");
        return s.Kind == "seed"
            ? ControllerProcess.StartSeed(kubeconfig, s.AllowedNames, log, perfMap: s.Profile == "perf", s.ControllerEnvironment)
            : ControllerProcess.StartOurs(s.ControllerDir!, kubeconfig, s.AllowedNames, log, perfMap: s.Profile == "perf", s.ControllerEnvironment);
    }

    /// <summary>Requests by verb and resource (and status code when an error), largest first.</summary>
    private static string ByVerb(IReadOnlyList<RequestGroup> groups) => string.Join(
        ", ",
        groups.GroupBy(g => $"{g.Verb} {g.Resource}{(g.StatusCode >= 400 ? " " + g.StatusCode.ToString(CultureInfo.InvariantCulture) : string.Empty)}")
            .Select(g => (g.Key, c: g.Sum(x => x.Count)))
            .OrderByDescending(x => x.c)
            .Select(x => $"{x.Key} {x.c:N0}"));

    // Quiet = 1.5 s with no request to the server and under 0.1 CPU s spent by the controller (it may still be reading
    // watch events or compiling before its next request; a sequential seed on a loaded machine was silent for 1.5 s).
    private static async Task SettleAsync(ServerProcess server, ControllerProcess controller, TimeSpan limit)
    {
        var count = await server.CountRequestsAsync();
        var cpu = controller.CpuSeconds();
        var quietFor = Stopwatch.StartNew();
        var settling = Stopwatch.StartNew();
        while (quietFor.Elapsed < TimeSpan.FromSeconds(1.5) && settling.Elapsed < limit)
        {
            await Task.Delay(250);
            var now = await server.CountRequestsAsync();
            var cpuNow = controller.CpuSeconds();
            if (now != count || cpuNow - cpu >= 0.1)
            {
                count = now;
                cpu = cpuNow;
                quietFor.Restart();
            }
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException("a watch did not start");
            }

            await Task.Delay(50);
        }
    }

    private static void Log(LoopSettings s, string line)
    {
        if (!s.Quiet)
        {
            Console.WriteLine(line);
        }
    }
}

/// <summary>One row of the loop benchmark's table.</summary>
internal sealed record LoopResult(
    string Controller,
    int N,
    string Seconds,
    double LastPkiCreatedAt,
    int Requests,
    string ByVerb,
    int Writes,
    int WritesBeyondFloor,
    int Errors,
    double StartupCpu,
    double LoadCpu,
    double CpuMsPerRequest,
    double CpuMsPerWatchEvent,
    double PeakRssMb,
    double ServerCpu,
    string Events,
    string SyncRequests,
    double Http2Percent)
{
    public string AfterRestart { get; init; } = "-";
}
