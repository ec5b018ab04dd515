using System.Diagnostics;
using System.Globalization;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// <c>--trace</c>: a CPU-sampling profile of the controller's load phase, from synced until done, with
/// <c>dotnet-trace collect --profile dotnet-common,dotnet-sampled-thread-time</c> (stacks sampled at about 100 Hz, JIT and GC events) (EventPipe, in the traced process: it needs no kernel support,
/// unlike <c>collect-linux</c>). The sampling costs the controller CPU, so a traced run's CPU figures are not comparable.
/// </summary>
internal sealed class Profiler : IDisposable
{
    private readonly Process process;
    private readonly string output;

    private Profiler(Process process, string output)
    {
        this.process = process;
        this.output = output;
    }

    /// <summary>Finds dotnet-trace: the given path, else on PATH, else ~/.dotnet/tools.</summary>
    public static string? Find(string? path)
    {
        if (!string.IsNullOrEmpty(path) && path != "dotnet-trace")
        {
            return File.Exists(path) ? Path.GetFullPath(path) : null;
        }

        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"))
            .Select(dir => Path.Combine(dir, "dotnet-trace"));
        return candidates.FirstOrDefault(File.Exists);
    }

    public static Profiler Start(string tool, int pid, string output)
    {
        var start = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-common,dotnet-sampled-thread-time", "-o", output })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet-trace");

        // Give the session a moment to attach, so the first requests of the load are in the profile.
        Thread.Sleep(TimeSpan.FromSeconds(2));
        return new Profiler(process, output);
    }

    /// <summary>Ends the session (SIGINT, as Ctrl+C) and returns where the trace is and how to read it.</summary>
    public async Task<string> StopAsync()
    {
        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return $"{output} (read it with: dotnet-trace report {output} topN -n 30; or open it in PerfView / speedscope via dotnet-trace convert)";
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
