using System.Globalization;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Xunit.Abstractions;

namespace Box.K8sEventReporting.IntegrationTests.Watching;

/// <summary>
/// Seeded soak: creates, updates and deletes interleaved with random faults (dropped, expired, compacted, throttled, frozen
/// and garbage-carrying watches, refused lists, a paused slow consumer). Reproduce a failure with WATCHER_SOAK_SEED=&lt;seed&gt;.
/// </summary>
[Trait("Cluster", "InProcessOnly")] // Injects random faults (ApiServerFaults) into watches.
public sealed class WatcherSoakTests(ITestOutputHelper output)
{
    private const int MaxOperations = 400;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(8);
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
        catch (Exception) when (DumpLogs())
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Soak failed with seed {seed}; replay with WATCHER_SOAK_SEED={seed}. {ex.Message}", ex);
        }
    }

    private WatcherTestContext? current;

    private bool DumpLogs()
    {
        foreach (var line in current?.Logs.Lines.TakeLast(300) ?? [])
        {
            output.WriteLine(line);
        }

        return false;
    }

    private async Task RunAsync(int seed)
    {
        // Printed, not asserted: other test classes running in parallel use the same instruments.
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name.StartsWith("k8s_event_reporting.watcher.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var detail = string.Join(",", tags.ToArray().Where(t => t.Key != "kind").Select(t => t.Value));
            counts.AddOrUpdate(instrument.Name.Replace("k8s_event_reporting.watcher.", string.Empty, StringComparison.Ordinal) + (detail.Length > 0 ? "{" + detail + "}" : string.Empty), value, (_, v) => v + value);
        });
        listener.Start();
        var random = new Random(seed);
        await using var context = await WatcherTestContext.StartAsync(historyLimit: 50);
        current = context;
        var options = WatcherTestContext.FastOptions(o =>
        {
            o.InactivityTimeout = TimeSpan.FromMilliseconds(300);

            // The inactivity limit counts from a watch's own timeout: short watches, so that a frozen one is given up on soon.
            o.MinWatchTimeout = TimeSpan.FromSeconds(1);
            o.MaxWatchTimeout = TimeSpan.FromSeconds(1);
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

        var unfreezeAt = -1;
        var resumeAt = -1;
        while (operations < MaxOperations && TimeProvider.System.GetElapsedTime(started) < MaxDuration)
        {
            operations++;
            if (operations == unfreezeAt && context.Server.Faults.AreWatchesFrozen)
            {
                // Hold the freeze until the watcher has given up on the silent watch at least once.
                var watches = context.Server.CountRequests("watch");
                await Wait.UntilAsync(() => context.Server.CountRequests("watch") > watches, "a restart of the frozen watch");
                context.Server.Faults.UnfreezeWatches();
            }

            if (operations == resumeAt)
            {
                slow.Resume();
            }

            var roll = random.Next(100);
            if (roll < 3 && !context.Server.Faults.AreWatchesFrozen)
            {
                // Writes take well under a millisecond here: now and then let the watcher catch up, so that faults land on a
                // watcher in every state (listing, watching, backing off, relisting) rather than all within one backoff.
                Dictionary<string, string> serverState = [];
                await Wait.UntilAsync(
                    async () => WatcherTestContext.SameState(serverState = await context.ServerStateAsync(), WatcherTestContext.CacheState(watcher)),
                    "the cache caught up",
                    describe: () => $"server [{WatcherTestContext.Describe(serverState)}] cache [{WatcherTestContext.Describe(WatcherTestContext.CacheState(watcher))}]");
                continue;
            }

            if (roll < 10)
            {
                var watchesBefore = context.Server.CountRequests("watch");
                var fault = await InjectFaultAsync(context, slow, random);
                if (fault is "close" or "compact" or "expired-event" or "throttle" or "gone-then-slow-list")
                {
                    await Wait.UntilAsync(() => context.Server.CountRequests("watch") > watchesBefore, $"the watcher reacted to {fault}");
                }

                faults.Add(fault);
                if (fault == "freeze")
                {
                    // Long enough (in writes) for the inactivity limit to fire at times, short enough to test more than one fault.
                    unfreezeAt = operations + 10 + random.Next(40);
                }
                else if (fault == "pause-consumer")
                {
                    resumeAt = operations + 10 + random.Next(40);
                }

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
        output.WriteLine("requests: " + string.Join(", ", context.Server.Requests.Where(r => r.Path.Contains("pkis", StringComparison.Ordinal) && r.Verb is "list" or "watch").Select(r => $"{r.Verb}{(r.Query.Contains("limit=", StringComparison.Ordinal) ? string.Empty : "(test)")}:{r.StatusCode}")));
        output.WriteLine("metrics (this process): " + string.Join(", ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")));
    }

    private bool slowListsAdded;

    private async Task<string> InjectFaultAsync(WatcherTestContext context, ConsumerView slow, Random random)
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
                faults.InjectRawIntoWatches("this is not json\n");
                return "garbage";
            case 6:
                if (!slowListsAdded)
                {
                    // Delay rules last until Reset and add up: one is enough to slow every later (re)list.
                    slowListsAdded = true;
                    faults.Delay(TimeSpan.FromMilliseconds(random.Next(50, 200)), "pkis", "list");
                }

                faults.FailNext(1, "pkis", 410, verb: "watch");
                faults.CloseAllWatches();
                return "gone-then-slow-list";
            default:
                slow.Pause();
                return "pause-consumer";
        }
    }
}
