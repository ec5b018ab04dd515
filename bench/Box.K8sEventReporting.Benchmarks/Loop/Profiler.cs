using System.Diagnostics;
using System.Globalization;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// <c>--profile perf|dotnet-trace</c>: a profile of the controller's load phase, from synced until done.
/// <list type="bullet">
/// <item><c>perf</c> (the CPU profile): <c>perf record -F 499 -g</c> on the controller process, started with
/// <c>DOTNET_PerfMapEnabled=1</c> so perf names JIT-compiled methods; on-CPU samples of every thread, the tiered JIT's included.</item>
/// <item><c>dotnet-trace</c>: <c>dotnet-trace collect --profile dotnet-common,dotnet-sampled-thread-time</c> (EventPipe, in the
/// process; no kernel support needed, unlike <c>collect-linux</c>): managed stacks sampled at about 100 Hz whether running or
/// blocked (wall clock, not CPU), with JIT and GC events.</item>
/// </list>
/// Sampling costs the controller CPU, so a profiled run's CPU figures are not comparable with an unprofiled run's.
/// </summary>
internal sealed class Profiler : IDisposable
{
    private readonly Process process;
    private readonly string output;
    private readonly string kind;

    private Profiler(Process process, string output, string kind)
    {
        this.process = process;
        this.output = output;
        this.kind = kind;
    }

    /// <summary>Finds the profiler's executable on PATH (dotnet-trace also in ~/.dotnet/tools); null when missing.</summary>
    public static string? Find(string kind)
    {
        var name = kind == "perf" ? "perf" : "dotnet-trace";
        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"))
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    public static async Task<Profiler> StartAsync(string kind, string tool, int pid, string outputWithoutExtension)
    {
        var output = outputWithoutExtension + (kind == "perf" ? ".perf.data" : ".nettrace");
        var pidText = pid.ToString(CultureInfo.InvariantCulture);
        string[] args = kind == "perf"
            ? ["record", "-F", "499", "-g", "-p", pidText, "-o", output]
            : ["collect", "-p", pidText, "--profile", "dotnet-common,dotnet-sampled-thread-time", "-o", output];
        var start = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + tool);
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();

        // Give the session a moment to attach, so the first requests of the load are in the profile.
        await Task.Delay(TimeSpan.FromSeconds(kind == "perf" ? 0.5 : 2));
        return new Profiler(process, output, kind);
    }

    /// <summary>Ends the session (SIGINT, as Ctrl+C) and returns where the profile is and how to read it.</summary>
    public async Task<string> StopAsync()
    {
        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return kind == "perf"
            ? $"{output}; read it with: perf report -i {output} --no-children --sort comm,dso,sym --stdio | head -80"
            : $"{output}; read it with: dotnet-trace report {output} topN -n 30 (wall clock: waiting threads included), or open it in PerfView";
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        process.Dispose();
    }
}
