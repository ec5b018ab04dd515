// One series of runs on a REAL Kubernetes API server: the ControlPlane sample (its publish output, as the Dockerfile
// builds it) beside the Go peers of the performance bar (pkipeer --mode=idiomatic|full), on the bar's load (pkiload),
// runs alternated, a fresh control plane before every run. Nothing here builds or starts Kubernetes: you give it a
// kubeconfig and the command that resets your cluster to an empty one (see bench/README.md).
//
//   dotnet run -c Release bench/real-server/series.cs -- \
//       --kubeconfig K --reset "CMD" --apiserver-pid-file F --pkiload PATH --pkipeer PATH \
//       --impl idiomatic=go:idiomatic --impl full=go:full --impl ours=dotnet:/tmp/cp-publish \
//       --size 100 --size 1000 --size 10000:10 --repeat 2 --out bench/results/series.jsonl
//
// --size N or N:P (N Pkis, P per namespace; default 1). Each run appends one JSON line to --out and prints a table row:
// seconds to the floor (every Secret and pod Warning, pkiload's clock), seconds to all writes (also every Pki's Ready
// condition for its generation and, for an invalid Pki, the Warning on the Pki: taken from a watch of Pkis and of Events
// this harness opens before the load), controller CPU (start-up until ready, and in total until pkiload is done),
// controller peak RSS, the controller's requests during the load (pkiload, from the API server's /metrics), WATCHes the
// server ended during the load (a watch is closed early when the consumer does not read fast enough), and the API
// server's CPU during the load.
#:package KubernetesClient
#:property TargetFramework=net10.0
#:property PublishAot=false
#:property IsTestProject=false
#:property NoWarn=$(NoWarn);CS0618;CA1303;CA1305;CA1307;CA1310;CA1812;CA1849;CA2000;CA2007;CA2234;CA5359;CA5400;CA1852;CA1031;CA1515;CA1869

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

var kubeconfig = Required("--kubeconfig");
var reset = Required("--reset");
var apiserverPidFile = Required("--apiserver-pid-file");
var pkiload = Required("--pkiload");
var pkipeer = Option("--pkipeer");
var crdFile = Option("--crd") ?? Path.GetFullPath("samples/ControlPlane/crds/pkis.box.com.yaml");
var repeat = int.Parse(Option("--repeat") ?? "2", CultureInfo.InvariantCulture);
var output = Option("--out") ?? "series.jsonl";
var implementations = Options("--impl").Select(i => i.Split('=', 2)).Select(p => (Label: p[0], Spec: p[1])).ToList();
var sizes = Options("--size").Select(s => s.Split(':')).Select(p => (N: int.Parse(p[0], CultureInfo.InvariantCulture), PerNs: p.Length > 1 ? int.Parse(p[1], CultureInfo.InvariantCulture) : 1)).ToList();
var controllerEnv = Options("--controller-env").Select(e => e.Split('=', 2)).ToList();
if (implementations.Count == 0 || sizes.Count == 0)
{
    throw new ArgumentException("give at least one --impl LABEL=go:MODE|dotnet:DIR and one --size N[:PER_NS]");
}

var work = Directory.CreateTempSubdirectory("real-series-");
var allowedNames = Path.Combine(work.FullName, "allowedNames");
await File.WriteAllTextAsync(allowedNames, "app-a\napp-b\n");
Console.WriteLine($"work: {work.FullName}; results appended to {output}");
Console.WriteLine("| impl | Pkis | run | s to floor | s to all writes | CPU s (start-up) | peak RSS MB | requests to floor | writes in all | watches closed | API server CPU s |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
foreach (var (n, perNs) in sizes)
{
    for (var run = 1; run <= repeat; run++)
    {
        // Alternated: every implementation once, then the next repetition (in reverse order, so none always goes first).
        var order = run % 2 == 1 ? implementations : Enumerable.Reverse(implementations).ToList();
        foreach (var (label, spec) in order)
        {
            var result = await RunOnceAsync(label, spec, n, perNs, run);
            await File.AppendAllTextAsync(output, result.ToJsonString() + "\n");
            double Number(string key) => result[key]?.GetValue<double>() ?? double.NaN;
            Console.WriteLine(
                $"| {label} | {n:N0} | {run} | {Number("seconds"):0.00} | {Number("all_writes_seconds"):0.00} | {Number("cpu_seconds"):0.00} ({Number("startup_cpu_seconds"):0.00}) | "
                + $"{Number("peak_rss_mb"):0} | {Number("controller_requests"):0} | {Number("writes_total"):0} | {Number("watches_closed"):0} | {Number("apiserver_cpu_seconds"):0.0} |");
        }
    }
}

return 0;

async Task<JsonObject> RunOnceAsync(string label, string spec, int n, int perNs, int run)
{
    await ShellAsync(reset);
    await RunAsync(pkiload, ["--kubeconfig", kubeconfig, "--setup-crd", crdFile, "--setup-ns", "controlplane"]);
    var baseline = Path.Combine(work.FullName, $"baseline-{label}-{n}-{run}.json");
    await RunAsync(pkiload, ["--kubeconfig", kubeconfig, "--snapshot-only", baseline]);

    var log = Path.Combine(work.FullName, $"controller-{label}-{n}-{run}.log");
    using var controller = StartController(spec, log, out var readyUrl);
    try
    {
        return await MeasureAsync(controller, readyUrl, log, label, spec, n, perNs, run, baseline);
    }
    finally
    {
        Stop(controller);
    }
}

async Task<JsonObject> MeasureAsync(Process controller, Uri? readyUrl, string log, string label, string spec, int n, int perNs, int run, string baseline)
{
    var started = Stopwatch.StartNew();
    await WaitReadyAsync(controller, log, readyUrl, TimeSpan.FromSeconds(120));
    var startupCpu = CpuSeconds(controller.Id);

    var apiserverPid = int.Parse(File.ReadAllText(apiserverPidFile).Trim(), CultureInfo.InvariantCulture);
    var apiserverBefore = CpuSeconds(apiserverPid);
    using var writes = new AllWritesWatch(kubeconfig, n) { NothingBeyondTheFloor = spec == "go:idiomatic" };
    await writes.StartAsync();
    var (report, loadStart) = await RunLoadAsync(n, perNs, label, baseline, n >= 10_000 ? "20m" : "5m");

    // Writes beyond the floor may come after pkiload is done: wait for them (a controller that makes none is done now).
    var patience = Stopwatch.StartNew();
    while (writes.AllDoneAt is null && !writes.NothingBeyondTheFloor && patience.Elapsed < TimeSpan.FromSeconds(n >= 10_000 ? 600 : 120))
    {
        await Task.Delay(100);
    }

    await Task.Delay(TimeSpan.FromSeconds(2));   // trailing writes, then count them
    var after = Path.Combine(work.FullName, $"after-{label}-{n}-{run}.json");
    await RunAsync(pkiload, ["--kubeconfig", kubeconfig, "--snapshot-only", after]);
    var lifeWrites = WritesBetween(baseline, after);
    var cpu = CpuSeconds(controller.Id);
    var rss = PeakRssMegabytes(controller.Id);
    var apiserverCpu = CpuSeconds(apiserverPid) - apiserverBefore;
    var allWrites = writes.AllDoneAt is { } at && loadStart is { } t0 ? (at - t0).TotalSeconds : (double?)null;

    var requests = report["controller_requests"]?.AsObject() ?? [];
    var watchesClosed = requests.Where(r => r.Key.StartsWith("WATCH ", StringComparison.Ordinal)).Sum(r => r.Value!.GetValue<double>());
    return new JsonObject
    {
        ["impl"] = label,
        ["spec"] = spec,
        ["n"] = n,
        ["per_ns"] = perNs,
        ["run"] = run,
        ["completed"] = report["completed"]?.GetValue<bool>() ?? false,
        ["seconds"] = report["seconds"]?.GetValue<double>() ?? double.NaN,
        ["all_writes_seconds"] = allWrites is { } a ? Math.Round(a, 2) : null,
        ["startup_cpu_seconds"] = Math.Round(startupCpu, 2),
        ["cpu_seconds"] = Math.Round(cpu, 2),
        ["peak_rss_mb"] = Math.Round(rss),
        ["controller_requests"] = report["controller_requests_total"]?.GetValue<double>() ?? 0,
        ["controller_requests_by_verb"] = report["controller_requests"]?.DeepClone(),
        ["controller_errors"] = report["controller_errors"]?.DeepClone(),
        ["watches_closed"] = watchesClosed,
        ["writes_total"] = lifeWrites.Values.Sum(),
        ["writes_total_by_verb"] = new JsonObject(lifeWrites.Select(w => KeyValuePair.Create(w.Key, (JsonNode?)w.Value))),
        ["apiserver_cpu_seconds"] = Math.Round(apiserverCpu, 2),
        ["events"] = report["events"]?.DeepClone(),
        ["event_count_sum"] = report["event_count_sum"]?.DeepClone(),
        ["wall_seconds_controller_life"] = Math.Round(started.Elapsed.TotalSeconds, 1),
        ["controller_env"] = string.Join(' ', controllerEnv.Select(e => e[0] + "=" + e[1])),
        ["date"] = DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture),
    };
}

Process StartController(string spec, string log, out Uri? readyUrl)
{
    var (kind, value) = (spec[..spec.IndexOf(':', StringComparison.Ordinal)], spec[(spec.IndexOf(':', StringComparison.Ordinal) + 1)..]);
    ProcessStartInfo info;
    readyUrl = null;
    if (kind == "go")
    {
        info = new ProcessStartInfo(pkipeer ?? throw new ArgumentException("--pkipeer is needed for go: implementations"))
        {
            ArgumentList = { "--mode", value, "--kubeconfig", kubeconfig, "--allowed", "app-a,app-b", "--ca-namespace", "controlplane" },
        };
    }
    else
    {
        var exe = Path.Combine(value, "ControlPlane");
        info = File.Exists(exe) ? new ProcessStartInfo(exe) : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(value, "ControlPlane.dll") } };
        var health = FreePort();
        readyUrl = new Uri($"http://127.0.0.1:{health}/readyz");
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["POD_NAMESPACE"] = "controlplane";
        info.Environment["ControlPlane__AllowedNamesPath"] = allowedNames;
        info.Environment["K8sEventReporting__Health__Port"] = health.ToString(CultureInfo.InvariantCulture);
        info.Environment["K8sEventReporting__Admission__Port"] = FreePort().ToString(CultureInfo.InvariantCulture);
        info.WorkingDirectory = value;
    }

    foreach (var e in controllerEnv)
    {
        info.Environment[e[0]] = e[1];
    }

    info.RedirectStandardOutput = true;
    info.RedirectStandardError = true;
    var process = Process.Start(info)!;
    var writer = new StreamWriter(log) { AutoFlush = true };
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

async Task WaitReadyAsync(Process controller, string log, Uri? readyUrl, TimeSpan limit)
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < limit)
    {
        if (controller.HasExited)
        {
            throw new InvalidOperationException($"the controller exited ({controller.ExitCode}) before it was ready; see {log}");
        }

        if (readyUrl is null)
        {
            if (File.Exists(log) && ReadShared(log).Contains("caches synced", StringComparison.Ordinal))
            {
                return;
            }
        }
        else if (PortOpen(readyUrl.Port))
        {
            try
            {
                using var response = await http.GetAsync(readyUrl);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
        }

        await Task.Delay(20);
    }

    throw new TimeoutException($"the controller was not ready within {limit}; see {log}");
}

async Task<(JsonObject Report, DateTimeOffset? LoadStart)> RunLoadAsync(int n, int perNs, string label, string baseline, string timeout)
{
    var info = new ProcessStartInfo(pkiload)
    {
        ArgumentList =
        {
            "--kubeconfig", kubeconfig, "--n", (n / perNs).ToString(CultureInfo.InvariantCulture), "--per-ns", perNs.ToString(CultureInfo.InvariantCulture),
            "--baseline", baseline, "--label", label, "--timeout", timeout, "--settle", "5s",
        },
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    using var process = Process.Start(info)!;
    DateTimeOffset? loadStart = null;
    var stderr = new ConcurrentQueue<string>();
    process.ErrorDataReceived += (_, e) =>
    {
        if (e.Data is null)
        {
            return;
        }

        stderr.Enqueue(e.Data);
        if (loadStart is null && e.Data.Contains(" pods: ", StringComparison.Ordinal))
        {
            loadStart = DateTimeOffset.UtcNow;   // pkiload starts its clock right after the pods phase
        }
    };
    process.BeginErrorReadLine();
    var stdout = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    var json = stdout.Split('\n').FirstOrDefault(l => l.StartsWith('{')) ?? throw new InvalidOperationException("pkiload printed no report:\n" + string.Join('\n', stderr));
    return (JsonNode.Parse(json)!.AsObject(), loadStart);
}

// The controller's writes over its life: every POST, PATCH, PUT and DELETE of Secrets, Events and Pki status between two
// snapshots of the API server's counters (pkiload writes none of these; it creates namespaces, pods and Pkis).
static Dictionary<string, double> WritesBetween(string beforeFile, string afterFile)
{
    static Dictionary<string, double> Read(string file) =>
        JsonNode.Parse(File.ReadAllText(file))!["requests"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<double>());
    var (before, after) = (Read(beforeFile), Read(afterFile));
    string[] verbs = ["POST ", "PATCH ", "PUT ", "DELETE "];
    string[] resources = ["secrets", "events", "events.events.k8s.io", "pkis.box.com/status"];
    return after.Where(p => verbs.Any(v => p.Key.StartsWith(v, StringComparison.Ordinal)) && resources.Contains(p.Key[(p.Key.IndexOf(' ', StringComparison.Ordinal) + 1)..]))
        .Select(p => (p.Key, Value: p.Value - before.GetValueOrDefault(p.Key)))
        .Where(p => p.Value > 0)
        .ToDictionary(p => p.Key, p => p.Value);
}

static void Stop(Process process)
{
    if (!process.HasExited)
    {
        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        if (!process.WaitForExit(15_000))
        {
            process.Kill(entireProcessTree: true);
        }
    }
}

static double CpuSeconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;   // utime + stime, in 10 ms ticks
}

static double PeakRssMegabytes(int pid) =>
    File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0).First();

static int FreePort()
{
    using var socket = new TcpListener(System.Net.IPAddress.Loopback, 0);
    socket.Start();
    return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
}

static bool PortOpen(int port)
{
    try
    {
        using var client = new TcpClient();
        client.Connect(System.Net.IPAddress.Loopback, port);
        return true;
    }
    catch (SocketException)
    {
        return false;
    }
}

static string ReadShared(string path)
{
    using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
    using var reader = new StreamReader(stream);
    return reader.ReadToEnd();
}

static async Task ShellAsync(string command)
{
    using var process = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true })!;
    await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"'{command}' exited {process.ExitCode}");
    }
}

static async Task RunAsync(string file, string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    var output = process.StandardError.ReadToEndAsync();
    await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}");
    }
}

string Required(string name) => Option(name) ?? throw new ArgumentException($"{name} is required");

string? Option(string name) => Options(name).LastOrDefault();

IEnumerable<string> Options(string name) => args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < args.Length).Select(x => args[x.i + 1]);

/// <summary>
/// Watches Pkis and the Events on Pkis, and notes when every Pki has its Ready condition for its generation and every
/// invalid Pki its Warning: the writes a controller makes beyond the floor. A controller that makes none (client-go
/// idiomatic) is done at the floor, which pkiload measures; then this reports nothing.
/// </summary>
internal sealed class AllWritesWatch(string kubeconfig, int expected) : IDisposable
{
    private readonly Kubernetes client = new(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, bool> ready = new();
    private readonly ConcurrentDictionary<string, bool> invalid = new();
    private readonly ConcurrentDictionary<string, bool> pkiWarned = new();

    public DateTimeOffset? AllDoneAt { get; private set; }

    /// <summary>Gets a value indicating whether the controller makes no writes beyond the floor (nothing to wait for).</summary>
    public bool NothingBeyondTheFloor { get; init; }

    public async Task StartAsync()
    {
        var pkis = await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync("box.com", "v1", "pkis");
        var events = await client.CoreV1.ListEventForAllNamespacesAsync(fieldSelector: "involvedObject.kind=Pki");
        var pkiVersion = ((JsonElement)pkis.Body).GetProperty("metadata").GetProperty("resourceVersion").GetString();
        _ = Task.Run(() => WatchPkisAsync(pkiVersion!));
        _ = Task.Run(() => WatchEventsAsync(events.Metadata.ResourceVersion));
    }

    private async Task WatchPkisAsync(string resourceVersion)
    {
        try
        {
            var watch = client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync("box.com", "v1", "pkis", resourceVersion: resourceVersion, watch: true, cancellationToken: stop.Token);
            await foreach (var (_, item) in watch.WatchAsync<JsonElement, object>(cancellationToken: stop.Token))
            {
                var meta = item.GetProperty("metadata");
                var key = meta.GetProperty("namespace").GetString() + "/" + meta.GetProperty("name").GetString();
                var generation = meta.TryGetProperty("generation", out var g) ? g.GetInt64() : 1;
                if (item.TryGetProperty("spec", out var spec) && spec.TryGetProperty("serviceName", out var sn) && sn.GetString()?.StartsWith("appp", StringComparison.Ordinal) == true)
                {
                    invalid[key] = true;
                }

                if (item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
                    && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.TryGetProperty("observedGeneration", out var og) && og.GetInt64() == generation))
                {
                    ready[key] = true;
                }

                Check();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
        }
    }

    private async Task WatchEventsAsync(string resourceVersion)
    {
        try
        {
            await foreach (var (_, e) in client.CoreV1.WatchListEventForAllNamespacesAsync(fieldSelector: "involvedObject.kind=Pki", resourceVersion: resourceVersion, cancellationToken: stop.Token))
            {
                if (e.Type == "Warning")
                {
                    pkiWarned[e.InvolvedObject.NamespaceProperty + "/" + e.InvolvedObject.Name] = true;
                    Check();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
        }
    }

    private void Check()
    {
        if (AllDoneAt is null && ready.Count >= expected && invalid.Keys.All(pkiWarned.ContainsKey))
        {
            AllDoneAt = DateTimeOffset.UtcNow;
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
        client.Dispose();
    }
}
