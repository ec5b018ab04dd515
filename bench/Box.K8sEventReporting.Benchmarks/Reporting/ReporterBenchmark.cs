using System.Diagnostics;
using System.Globalization;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Benchmarks.Reporting;

/// <summary>
/// Measures the Event recorder: reports per second through correlation into a no-op sink, bytes allocated per report,
/// and API writes per 1,000 reports under a storm against the in-process API server, side by side with a baseline that
/// posts one Event per report as a plain client would.
/// </summary>
internal static class ReporterBenchmark
{
    private const string Message = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]";

    public static async Task RunAsync(string[] args)
    {
        var reports = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        Console.WriteLine($"# Reporter benchmark ({Environment.ProcessorCount} cores, .NET {Environment.Version})");
        Console.WriteLine();
        Console.WriteLine("| scenario | reports | reports/s | bytes allocated/report | sink writes |");
        Console.WriteLine("|---|---|---|---|---|");
        await InMemoryAsync("identical storm, 1 pod", reports, 1, warmup: true);
        await InMemoryAsync("identical storm, 1 pod", reports, 1, warmup: false);
        await InMemoryAsync("1,000 pods, same error", reports, 1000, warmup: false);
        await InMemoryAsync("10,000 pods, same error", reports, 10_000, warmup: false);
        await InMemoryAsync("10,000 pods, same error, CacheSize 4096 (client-go's)", reports, 10_000, warmup: false, cacheSize: 4096);

        Console.WriteLine();
        Console.WriteLine("| API server storm (in-process server, real HTTP) | reports | API writes | writes per 1,000 reports | Event objects | final count | seconds |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        await StormAsync(10_000, pods: 1);
        await StormAsync(10_000, pods: 10);
        await BaselineAsync(2_000, pods: 1);
    }

    private static async Task InMemoryAsync(string name, int reports, int pods, bool warmup, int cacheSize = 32768)
    {
        var sink = new CountingSink();
        var options = new EventReporterOptions { EventLogLevel = Microsoft.Extensions.Logging.LogLevel.None, CacheSize = cacheSize };
        await using var recorder = new KubernetesEventRecorder(sink, options, null, TimeProvider.System, null);
        var refs = Enumerable.Range(0, pods).Select(i => new V1ObjectReference { Kind = "Pod", ApiVersion = "v1", NamespaceProperty = "team-a", Name = "app-" + i, Uid = "uid-" + i }).ToArray();
        var report = EventReport.Warning("InvalidServiceName", Message);
        var n = warmup ? Math.Min(reports, 100_000) : reports;

        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            recorder.Record(refs[i % refs.Length], report);
        }

        watch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        await recorder.FlushAsync();
        if (!warmup)
        {
            Console.WriteLine($"| {name} | {n:N0} | {n / watch.Elapsed.TotalSeconds:N0} | {(double)allocated / n:N1} | {sink.Writes:N0} |");
        }
    }

    private static async Task StormAsync(int reports, int pods)
    {
        await using var server = await InProcessApiServer.StartAsync();
        server.EnsureNamespace("team-a");
        using var client = server.CreateClient();
        var refs = await CreatePodsAsync(client, pods);
        server.ClearRequests();
        var watch = Stopwatch.StartNew();
        await using (var recorder = new KubernetesEventRecorder(client, Options.Create(new EventReporterOptions { EventLogLevel = Microsoft.Extensions.Logging.LogLevel.None })))
        {
            var report = EventReport.Warning("InvalidServiceName", Message);
            for (var i = 0; i < reports; i++)
            {
                recorder.Record(refs[i % refs.Length], report);
            }

            await recorder.FlushAsync();
        }

        watch.Stop();
        await PrintAsync($"recorder, {pods} pod(s)", server, client, reports, watch.Elapsed);
    }

    private static async Task BaselineAsync(int reports, int pods)
    {
        await using var server = await InProcessApiServer.StartAsync();
        server.EnsureNamespace("team-a");
        using var client = server.CreateClient();
        var refs = await CreatePodsAsync(client, pods);
        server.ClearRequests();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < reports; i++)
        {
            var now = DateTime.UtcNow;
            var target = refs[i % refs.Length];
            await client.CoreV1.CreateNamespacedEventAsync(
                new Corev1Event
                {
                    Metadata = new V1ObjectMeta { Name = target.Name + "." + i.ToString("x16", CultureInfo.InvariantCulture), NamespaceProperty = "team-a" },
                    InvolvedObject = target,
                    Reason = "InvalidServiceName",
                    Message = Message,
                    Type = "Warning",
                    Source = new V1EventSource { Component = "controlplane" },
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Count = 1,
                },
                "team-a");
        }

        watch.Stop();
        await PrintAsync($"baseline: one POST per report, {pods} pod(s)", server, client, reports, watch.Elapsed);
    }

    private static async Task<V1ObjectReference[]> CreatePodsAsync(IKubernetes client, int pods)
    {
        var refs = new V1ObjectReference[pods];
        for (var i = 0; i < pods; i++)
        {
            var pod = await client.CoreV1.CreateNamespacedPodAsync(
                new V1Pod { Metadata = new V1ObjectMeta { Name = "app-" + i, NamespaceProperty = "team-a" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app:1" }] } },
                "team-a");
            refs[i] = ObjectReferences.Create(pod);
        }

        return refs;
    }

    private static async Task PrintAsync(string name, InProcessApiServer server, IKubernetes client, int reports, TimeSpan elapsed)
    {
        var writes = server.Requests.Count(r => r.Path.Contains("/events", StringComparison.Ordinal) && r.Method is "POST" or "PATCH" or "PUT");
        var events = (await client.CoreV1.ListNamespacedEventAsync("team-a")).Items;
        var total = events.Sum(e => (long)(e.Count ?? 1));
        Console.WriteLine($"| {name} | {reports:N0} | {writes:N0} | {writes * 1000.0 / reports:N1} | {events.Count:N0} | {total:N0} | {elapsed.TotalSeconds:N2} |");
    }

    private sealed class CountingSink : IEventWriter
    {
        private int writes;

        public int Writes => Volatile.Read(ref writes);

        public Task CreateAsync(EventWrite write, long count, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref writes);
            return Task.CompletedTask;
        }

        public Task PatchAsync(EventWrite write, long count, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref writes);
            return Task.CompletedTask;
        }

        public Task<long> ReadCountAsync(EventWrite write, CancellationToken cancellationToken) => Task.FromResult(1L);

        public IAsyncEnumerable<(string Namespace, string Name, long Count)> ListOwnAsync(CancellationToken cancellationToken) =>
            AsyncEnumerable.Empty<(string Namespace, string Name, long Count)>();
    }
}
