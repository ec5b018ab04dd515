using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>The benchmark's side of <see cref="LoopServer"/>: starts it (a fresh cluster per run) and sends it commands.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

    private ServerProcess(Process process, string kubeconfig)
    {
        this.process = process;
        Kubeconfig = kubeconfig;
    }

    public string Kubeconfig { get; }

    public int Id => process.Id;

    public static async Task<ServerProcess> StartAsync(string kubeconfig)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var arg in new[] { "loop", LoopServer.Flag, kubeconfig })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the API server process");
        var server = new ServerProcess(process, kubeconfig);
        await server.ReadAsync("@SERVER", TimeSpan.FromSeconds(60));
        return server;
    }

    public double CpuSeconds() => ControllerProcess.CpuSecondsOf(process.Id);

    public Task CreateNamespacesAsync(string prefix, int n) => CommandAsync($"NS {prefix} {n}", "@OK", TimeSpan.FromMinutes(2));

    public Task ClearRequestsAsync() => CommandAsync("CLEAR", "@OK", TimeSpan.FromSeconds(30));

    public async Task<int> CountRequestsAsync() =>
        int.Parse((await CommandAsync("COUNT", "@COUNT", TimeSpan.FromSeconds(30)))[1], CultureInfo.InvariantCulture);

    public async Task<IReadOnlyList<RequestGroup>> RequestsAsync()
    {
        var line = await CommandAsync("SUMMARY", "@SUMMARY", TimeSpan.FromSeconds(60));
        return JsonSerializer.Deserialize<List<RequestGroup>>(line[1]) ?? [];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await process.StandardInput.WriteLineAsync("STOP");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
        oneAtATime.Dispose();
    }

    private async Task<string[]> CommandAsync(string command, string answer, TimeSpan timeout)
    {
        await oneAtATime.WaitAsync();
        try
        {
            await process.StandardInput.WriteLineAsync(command);
            return await ReadAsync(answer, timeout);
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private async Task<string[]> ReadAsync(string tag, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith(tag, StringComparison.Ordinal))
            {
                return line.Split(' ', 2);
            }

            Console.WriteLine("  server: " + line);
        }

        throw new InvalidOperationException($"the API server process ended before answering {tag}");
    }
}
