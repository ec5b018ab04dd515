using k8s;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// The in-run baseline, in a process of its own (<c>loop --child &lt;kubeconfig&gt; &lt;allowedNames file&gt;</c>): the seed's
/// logic (<see cref="SeedControlPlane"/>) with the plain KubernetesClient. Prints <c>@READY</c> once its watch is being
/// opened and stops on <c>STOP</c> (or the end of stdin). Its CPU and memory are read from /proc by the benchmark.
/// </summary>
internal static class LoopChild
{
    public const string Flag = "--child";

    public static async Task<int> RunAsync(string[] args)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(args[0]);
        var allowed = File.ReadAllLines(args[1]).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        using var client = new Kubernetes(config);
        var seed = new SeedControlPlane(client, allowed, TimeProvider.System);
        var running = Task.Run(() => seed.RunAsync(() => Console.WriteLine("@READY"), stop.Token));
        while (await Console.In.ReadLineAsync() is { } line && line != "STOP")
        {
        }

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(20));
        await Console.Error.WriteLineAsync($"seed: {seed.WatchRestarts} watch restarts, {seed.Failures} failures");
        return 0;
    }
}
