using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Reflection;
using Box.K8sEventReporting.Hosting;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// The controller under measurement, in its own process so that its CPU time and memory are its own (the API server and
/// the load generator stay in the parent). Talks to the parent over stdin/stdout: prints <c>@READY cpu-ms managed-bytes-after-full-gc</c> once synced,
/// answers <c>STATS</c> with <c>@STATS cpu-ms peak-working-set-bytes managed-bytes-after-full-gc working-set-bytes watch-restarts failures</c>,
/// and stops on <c>STOP</c> (or end of stdin).
/// </summary>
internal static class LoopChild
{
    public const string Flag = "--child";

    public static async Task<int> RunAsync(string[] args)
    {
        // args: ours|seed <server url> <allowedNames file>
        using var metrics = new CounterTotals();
        var kind = args[0];
        var config = new KubernetesClientConfiguration { Host = args[1] };
        var allowedNamesPath = args[2];
        using var stop = new CancellationTokenSource();
        var failures = () => 0;
        var restarts = () => 0;
        IHost? host = null;
        Task running;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        if (kind == "seed")
        {
            var allowed = File.ReadAllLines(allowedNamesPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
            var client = new Kubernetes(config);
            var seed = new SeedControlPlane(client, allowed, TimeProvider.System);
            failures = () => seed.Failures;
            restarts = () => seed.WatchRestarts;
            running = Task.Run(() => seed.RunAsync(() => ready.TrySetResult(), stop.Token));
        }
        else
        {
            host = BuildControlPlane(config, allowedNamesPath);
            await host.StartAsync();
            var health = host.Services.GetRequiredService<IControllerHealth>();
            var deadline = Stopwatch.StartNew();
            while (!health.Check().IsReady)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(120))
                {
                    await Console.Error.WriteLineAsync($"ours: not ready after 120 s: {health.Check().Description}");
                    return 1;
                }

                await Task.Delay(20);
            }

            ready.TrySetResult();
            running = Task.CompletedTask;
        }

        await ready.Task.WaitAsync(TimeSpan.FromSeconds(120));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"@READY {Cpu()} {GC.GetTotalMemory(forceFullCollection: true)}"));

        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "STATS")
            {
                var managed = GC.GetTotalMemory(forceFullCollection: true);
                using var self = Process.GetCurrentProcess();
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"@STATS {Cpu()} {self.PeakWorkingSet64} {managed} {self.WorkingSet64} {restarts()} {failures()}"));
                Console.WriteLine("@METRICS " + metrics);
            }
            else if (line == "STOP")
            {
                break;
            }
        }

        await stop.CancelAsync();
        if (host is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await host.StopAsync(timeout.Token);
            host.Dispose();
        }

        await running.WaitAsync(TimeSpan.FromSeconds(20));
        return 0;
    }

    private static long Cpu()
    {
        using var self = Process.GetCurrentProcess();
        return (long)self.TotalProcessorTime.TotalMilliseconds;
    }

    /// <summary>
    /// The ControlPlane sample's exact composition (<c>Program.AddControlPlane</c>, internal to the sample, hence
    /// reflection) with production defaults, except: logging to stderr at Warning (production logs each Event at
    /// Information), and the ReportingInstance named.
    /// </summary>
    private static IHost BuildControlPlane(KubernetesClientConfiguration config, string allowedNamesPath)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ControlPlane:AllowedNamesPath"] = allowedNamesPath,
            ["K8sEventReporting:Events:ReportingInstance"] = "loop-bench",
        });

        // As a default host would: any setting can be overridden, e.g. K8sEventReporting__Watcher__ConsumerBufferSize=16384.
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddSingleton<IKubernetes>(new Kubernetes(config));
        var program = typeof(ControlPlane.Pki).Assembly.GetType("Program", throwOnError: true)!;
        var addControlPlane = program.GetMethod("AddControlPlane", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            ?? throw new InvalidOperationException("ControlPlane's Program.AddControlPlane not found");
        addControlPlane.Invoke(null, [builder.Services, builder.Configuration]);
        return builder.Build();
    }

    /// <summary>Totals of the library's counters (by name and tag values), to see how many reconciles, writes, overflows happened.</summary>
    private sealed class CounterTotals : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentDictionary<string, long> totals = new(StringComparer.Ordinal);

        public CounterTotals()
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Box.K8sEventReporting" && instrument is Counter<long>)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var key = instrument.Name;
                foreach (var tag in tags)
                {
                    if (tag.Key != "kind")
                    {
                        key += $",{tag.Key}={tag.Value}";
                    }
                }

                totals.AddOrUpdate(key, value, (_, old) => old + value);
            });
            listener.Start();
        }

        public override string ToString() => string.Join(' ', totals.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"));

        public void Dispose() => listener.Dispose();
    }
}
