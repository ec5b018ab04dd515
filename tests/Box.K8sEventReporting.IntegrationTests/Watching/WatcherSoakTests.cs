using System.Globalization;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Xunit.Abstractions;

namespace Box.K8sEventReporting.IntegrationTests.Watching;

/// <summary>
/// Seeded soak: creates, updates and deletes interleaved with random faults (dropped, expired, compacted, throttled, frozen
/// and garbage-carrying watches, refused lists, a paused slow consumer). Reproduce a failure with WATCHER_SOAK_SEED=&lt;seed&gt;.
/// </summary>
public sealed class WatcherSoakTests(ITestOutputHelper output)
{
    private const int MaxOperations = 300;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(15);
    private static readonly string[] Namespaces = ["team-a", "team-b", "team-c"];

    [Fact]
    public async Task Soak_RandomChangesAndFaults_CacheAndEveryConsumerEndEqualToServer()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("WATCHER_SOAK_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fixedSeed)
            ? fixedSeed
            : Random.Shared.Next();
        output.WriteLine($"Soak seed: {seed} (set WATCHER_SOAK_SEED={seed} to replay)");
        try
        {
            await RunAsync(seed);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Soak failed with seed {seed}; replay with WATCHER_SOAK_SEED={seed}. {ex.Message}", ex);
        }
    }

    private async Task RunAsync(int seed)
    {
        var random = new Random(seed);
        await using var context = await WatcherTestContext.StartAsync(historyLimit: 50);
        var options = WatcherTestContext.FastOptions(o =>
        {
            o.InactivityTimeout = TimeSpan.FromMilliseconds(500);
            o.ConsumerBufferSize = 8;
            o.PageSize = 7;
        });
        await using var watcher = context.CreateWatcher(options);
        await using var steady = new ConsumerView(watcher);
        await using var slow = new ConsumerView(watcher);
        await Wait.ForAsync(watcher.Cache.WaitForInitialSyncAsync(), "the initial sync");
        var live = new List<(string Ns, string Name)>();
        var faults = new List<string>();
        var started = TimeProvider.System.GetTimestamp();
        var operations = 0;
        var next = 0;

        while (operations < MaxOperations && TimeProvider.System.GetElapsedTime(started) < MaxDuration)
        {
            operations++;
            var roll = random.Next(100);
            if (roll < 8)
            {
                faults.Add(await InjectFaultAsync(context, slow, random));
                continue;
            }

            if (live.Count == 0 || (roll < 45 && live.Count < 40))
            {
                var item = (Namespaces[random.Next(Namespaces.Length)], $"s{next++}");
                if (await context.CreateAsync(item.Item1, item.Item2, "svc" + random.Next(1000)) == 201)
                {
                    live.Add(item);
                }
            }
            else if (roll < 80)
            {
                var (ns, name) = live[random.Next(live.Count)];
                await context.UpdateServiceAsync(ns, name, "svc" + random.Next(1000));
            }
            else
            {
                var index = random.Next(live.Count);
                if (await context.DeleteAsync(live[index].Ns, live[index].Name) is 200 or 404)
                {
                    live.RemoveAt(index);
                }
            }
        }

        context.Server.Faults.Reset();
        slow.Resume();
        output.WriteLine($"{operations} operations, faults: {string.Join(", ", faults)}");
        await context.AssertConvergedAsync(watcher, steady, slow);
    }

    private static async Task<string> InjectFaultAsync(WatcherTestContext context, ConsumerView slow, Random random)
    {
        var faults = context.Server.Faults;
        switch (random.Next(8))
        {
            case 0:
                faults.CloseAllWatches();
                return "close";
            case 1:
                // Let the watch fall behind, then compact: the resume gets 410 and the watcher relists.
                faults.FreezeWatches();
                var frozenAt = context.Server.ResourceVersion;
                await context.CreateAsync("team-a", $"c{frozenAt}", "svc");
                await context.DeleteAsync("team-a", $"c{frozenAt}");
                faults.CompactHistory();
                faults.CloseAllWatches();
                faults.UnfreezeWatches();
                return "compact";
            case 2:
                faults.InjectRawIntoWatches("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version\",\"reason\":\"Expired\",\"code\":410}}\n");
                faults.CloseAllWatches();
                return "expired-event";
            case 3:
                faults.FailNext(1 + random.Next(2), "pkis", random.Next(2) == 0 ? 503 : 429, verb: "watch");
                faults.FailNext(1, "pkis", 500, verb: "list");
                faults.CloseAllWatches();
                return "throttle";
            case 4:
                faults.FreezeWatches();
                return "freeze";
            case 5:
                faults.UnfreezeWatches();
                return "unfreeze";
            case 6:
                faults.InjectRawIntoWatches("this is not json\n");
                return "garbage";
            default:
                if (random.Next(2) == 0)
                {
                    slow.Pause();
                    return "pause-consumer";
                }

                slow.Resume();
                return "resume-consumer";
        }
    }
}
