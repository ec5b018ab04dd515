using System.Globalization;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// The whole loop as deployed (see README-loop.md): the API server (in-process server, HTTPS + HTTP/2, own process), the
/// controller (the ControlPlane sample's publish output, own process; or the seed's logic, own process) and the load
/// generator (this process), on the load of PERFORMANCE-BAR.md. One run at a time, each on a fresh cluster.
/// </summary>
internal static class LoopBenchmark
{
    private const string Usage = """
        Usage: loop [N ...] --controller-dir <ControlPlane publish dir> [--only seed|ours] [--repeat K] [--cold] [--no-restart] [--running-pods] [--controller-env KEY=VALUE ...] [--profile perf|dotnet-trace]
          Publish the controller first: dotnet publish -c Release samples/ControlPlane -o <dir>
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == LoopChild.Flag)
        {
            return await LoopChild.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == LoopServer.Flag)
        {
            return await LoopServer.RunAsync(args[1..]);
        }

        var sizes = new List<int>();
        string[] kinds = ["seed", "ours"];
        string? controllerDir = null;
        string? profile = null;
        string? profileTool = null;
        var cold = false;
        var restart = true;
        var runningPods = false;
        var controllerEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        var repeat = 1;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--only" when i + 1 < args.Length:
                    kinds = [args[++i]];
                    break;
                case "--controller-dir" when i + 1 < args.Length:
                    controllerDir = Path.GetFullPath(args[++i]);
                    break;
                case "--repeat" when i + 1 < args.Length:
                    repeat = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--profile" when i + 1 < args.Length && args[i + 1] is "perf" or "dotnet-trace":
                    profile = args[++i];
                    profileTool = Profiler.Find(profile);
                    if (profileTool is null)
                    {
                        Console.Error.WriteLine($"{profile} not found on PATH (dotnet-trace: dotnet tool install -g dotnet-trace; perf: the linux-perf package).");
                        return 2;
                    }

                    break;
                case "--cold":
                    cold = true;
                    break;
                case "--no-restart":
                    restart = false;
                    break;
                case "--controller-env" when i + 1 < args.Length && args[i + 1].Contains('=', StringComparison.Ordinal):
                    var pair = args[++i].Split('=', 2);
                    controllerEnvironment[pair[0]] = pair[1];
                    break;
                case "--running-pods":
                    runningPods = true;
                    break;
                default:
                    if (!int.TryParse(args[i], NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var n))
                    {
                        Console.Error.WriteLine(Usage);
                        return 2;
                    }

                    sizes.Add(n);
                    break;
            }
        }

        if (kinds.Contains("ours") && (controllerDir is null || !File.Exists(Path.Combine(controllerDir, "ControlPlane.dll"))))
        {
            Console.Error.WriteLine($"--controller-dir must name the ControlPlane sample's publish output (ControlPlane.dll not found in '{controllerDir}').");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (sizes.Count == 0)
        {
            sizes = [100, 1000];
        }

        var workDir = Directory.CreateTempSubdirectory("loop-bench-").FullName;
        var allowedNames = Path.Combine(workDir, "allowedNames");
        await File.WriteAllTextAsync(allowedNames, "app1\napp2\n");
        Console.WriteLine($"# Loop benchmark ({Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine("NOT real-server figures: the in-process API server answers far faster than kube-apiserver with etcd (at N = 1,000 this benchmark");
        Console.WriteLine("was wrong by about 7x in time and 3.5x in CPU). Use it to compare builds of the controller; for speed claims run");
        Console.WriteLine("bench/real-server/series.cs against a real API server, with client-go beside it (bench/README.md).");
        Console.WriteLine($"controller: {controllerDir ?? "-"} {string.Join(' ', controllerEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}; logs, kubeconfigs and profiles in {workDir}");
        Console.WriteLine($"load average before: {(File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Trim() : "?")}");

        var rows = new List<LoopResult>();
        foreach (var n in sizes)
        {
            for (var r = 0; r < repeat; r++)
            {
                foreach (var kind in kinds)
                {
                    var result = await LoopRun.RunAsync(new LoopSettings(kind, n, controllerDir, allowedNames, workDir, cold, restart, runningPods, profile, profileTool, controllerEnvironment, Quiet: false));
                    rows.Add(result);
                    Console.WriteLine(Row(result));
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average after: {(File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Trim() : "?")}");
        Console.WriteLine("| controller | N | seconds | last Pki created at s | requests after sync | by verb and resource | writes | beyond the floor | 4xx/5xx | controller CPU s: start-up to ready | load | CPU ms/request | CPU ms/watch event | peak RSS MB | API server CPU s in the load | Event objects | requests to sync | HTTP/2 % | after a restart |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            Console.WriteLine(Row(row));
        }

        return 0;
    }

    private static string Row(LoopResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {r.Controller} | {r.N:N0} | {r.Seconds} | {r.LastPkiCreatedAt:N2} | {r.Requests:N0} | {r.ByVerb} | {r.Writes:N0} | {r.WritesBeyondFloor:N0} | {r.Errors:N0} | {r.StartupCpu:N2} | {r.LoadCpu:N2} | {r.CpuMsPerRequest:N2} | {r.CpuMsPerWatchEvent:N2} | {r.PeakRssMb:N0} | {r.ServerCpu:N2} | {r.Events} | {r.SyncRequests} | {r.Http2Percent:N0} | {r.AfterRestart} |");
}
