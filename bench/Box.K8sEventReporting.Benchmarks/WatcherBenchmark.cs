using ControlPlane;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Box.K8sEventReporting.Testing.ApiServer;
using Box.K8sEventReporting.Watching;
using k8s;

namespace Box.K8sEventReporting.Benchmarks;

/// <summary>
/// Watcher figures over loopback HTTP against the in-process API server, each next to a baseline that reads the same
/// data with the plain KubernetesClient (generated list method / its Watch extension) and System.Text.Json.
/// </summary>
internal static class WatcherBenchmark
{
    private const int Objects = 10_000;
    private const int BurstChanges = 20_000;
    private const int Runs = 3;

    public static async Task RunAsync()
    {
        await using var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { HistoryLimit = 200_000, WatchQueueLimit = 1_000_000 });
        server.RegisterCustomResource("box.com", "v1", "pkis", "Pki");
        server.EnsureNamespace("bench");
        using var client = (Kubernetes)server.CreateClient();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        Console.WriteLine($"Populating {Objects:N0} Pkis...");
        await ParallelAsync(Objects, i => SendAsync(http, HttpMethod.Post, "apis/box.com/v1/namespaces/bench/pkis", PkiJson(i, "svc" + i)));

        // Initial sync: watcher (paged list of 500 + decode per item + cache + indexes) vs plain generated list calls.
        await SyncWithWatcherAsync(client, stripManagedFields: true); // warm-up (JIT)
        await ListWithClientAsync(client);
        var watcherSync = new List<double>();
        var clientList = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            watcherSync.Add((await SyncWithWatcherAsync(client, stripManagedFields: true)).Seconds);
            clientList.Add(await ListWithClientAsync(client));
        }

        // Memory per cached object, measured as the managed heap growth (after full GCs) while the watcher holds its cache.
        var (_, bytesStripped) = await SyncWithWatcherAsync(client, stripManagedFields: true, measureMemory: true);
        var (_, bytesNoIndex) = await SyncWithWatcherAsync(client, stripManagedFields: true, measureMemory: true, withIndex: false);
        var (_, bytesNoStrip) = await SyncWithWatcherAsync(client, stripManagedFields: false, measureMemory: true, withIndex: false);
        var bytesClient = await ListWithClientAsync(client, measureMemory: true);

        // Steady-state throughput: a burst of changes held back by a frozen watch, then released at once.
        var watcherRate = await BurstThroughWatcherAsync(server, client, http);
        var clientRate = await BurstThroughClientWatchAsync(server, client, http);

        Console.WriteLine();
        Console.WriteLine($"| measure ({Objects:N0} Pkis, loopback, {Environment.ProcessorCount} cores) | watcher | plain KubernetesClient + System.Text.Json | ratio |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| initial sync to HasSynced (paged list, 500/page), median of {Runs} (ratio = watcher / baseline) | {Median(watcherSync):F3} s | {Median(clientList):F3} s | {Median(watcherSync) / Median(clientList):F2} |");
        Console.WriteLine($"| burst of {BurstChanges:N0} watch events released at once: changes/s (ratio = watcher time / baseline time) | {watcherRate:N0} | {clientRate:N0} | {clientRate / watcherRate:F2} |");
        Console.WriteLine($"| managed bytes per cached object, with one index (unique value per object) | {bytesStripped / Objects:N0} | {bytesClient / Objects:N0} (the listed objects, kept in a List) | {bytesStripped / bytesClient:F2} |");
        Console.WriteLine($"| managed bytes per cached object, no index | {bytesNoIndex / Objects:N0} | {bytesClient / Objects:N0} | {bytesNoIndex / bytesClient:F2} |");
        Console.WriteLine($"| managed bytes per cached object, no index, StripManagedFields = false | {bytesNoStrip / Objects:N0} | {bytesClient / Objects:N0} | {bytesNoStrip / bytesClient:F2} |");
    }

    private static async Task<(double Seconds, double Bytes)> SyncWithWatcherAsync(Kubernetes client, bool stripManagedFields, bool measureMemory = false, bool withIndex = true)
    {
        await Task.Delay(50); // let earlier runs' stacks unwind (see below)
        var before = measureMemory ? Heap() : 0;
        var options = new CustomResourceWatcherOptions { StripManagedFields = stripManagedFields };
        if (withIndex)
        {
            options.AddIndex<Pki>("service", p => [p.Spec?.ServiceName ?? string.Empty]);
        }

        var stopwatch = Stopwatch.StartNew();
        var watcher = new CustomResourceWatcher<Pki>(client, options);
        await watcher.Cache.WaitForInitialSyncAsync();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        if (watcher.Cache.Count != Objects)
        {
            throw new InvalidOperationException($"Synced {watcher.Cache.Count} objects, expected {Objects}.");
        }

        // Heap growth while the watcher holds its cache (transient list buffers are collected by then).
        var bytes = measureMemory ? Heap() - before : 0;
        await watcher.DisposeAsync();
        GC.KeepAlive(watcher);
        return (seconds, bytes);
    }

    private static async Task<double> ListWithClientAsync(Kubernetes client, bool measureMemory = false)
    {
        await Task.Delay(50);
        var before = measureMemory ? Heap() : 0;
        var stopwatch = Stopwatch.StartNew();
        var all = new List<Pki>();
        string? next = null;
        do
        {
            var page = await client.CustomObjects.ListClusterCustomObjectAsync<PkiList>("box.com", "v1", "pkis", limit: 500, continueParameter: next);
            all.AddRange(page.Items!);
            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));

        var seconds = stopwatch.Elapsed.TotalSeconds;
        if (all.Count != Objects)
        {
            throw new InvalidOperationException($"Listed {all.Count} objects, expected {Objects}.");
        }

        var bytes = measureMemory ? Heap() - before : 0;
        GC.KeepAlive(all);
        return measureMemory ? bytes : seconds;
    }

    private static async Task<double> BurstThroughWatcherAsync(InProcessApiServer server, Kubernetes client, HttpClient http)
    {
        await using var watcher = new CustomResourceWatcher<Pki>(client);
        await watcher.Cache.WaitForInitialSyncAsync();
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var consumer = Task.Run(async () =>
        {
            await foreach (var change in watcher.WatchAsync(stop.Token))
            {
                if (change.Type == ResourceChangeType.Modified && ++received == BurstChanges)
                {
                    done.TrySetResult();
                }
            }
        });
        await WaitForWatchAsync(server);
        var seconds = await BurstAsync(server, http, done.Task);
        await stop.CancelAsync();
        await consumer.ContinueWith(_ => { }, TaskScheduler.Default);
        return BurstChanges / seconds;
    }

    private static async Task<double> BurstThroughClientWatchAsync(InProcessApiServer server, Kubernetes client, HttpClient http)
    {
        var list = await client.CustomObjects.ListClusterCustomObjectAsync<PkiList>("box.com", "v1", "pkis", limit: 1);
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var consumer = Task.Run(async () =>
        {
            await foreach (var (type, obj) in client.CustomObjects.WatchListClusterCustomObjectAsync(
                "box.com", "v1", "pkis", allowWatchBookmarks: true, resourceVersion: list.Metadata!.ResourceVersion, cancellationToken: stop.Token))
            {
                var pki = KubernetesJson.Deserialize<Pki>((JsonElement)obj);
                if (type == WatchEventType.Modified && pki.Metadata.Name is not null && ++received == BurstChanges)
                {
                    done.TrySetResult();
                }
            }
        });

        await WaitForWatchAsync(server);
        var seconds = await BurstAsync(server, http, done.Task);
        await stop.CancelAsync();
        await consumer.ContinueWith(_ => { }, TaskScheduler.Default);
        return BurstChanges / seconds;
    }

    private static async Task<double> BurstAsync(InProcessApiServer server, HttpClient http, Task allReceived)
    {
        server.Faults.FreezeWatches();
        await ParallelAsync(BurstChanges, i => SendAsync(
            http,
            HttpMethod.Patch,
            $"apis/box.com/v1/namespaces/bench/pkis/pki-{i % Objects}",
            "{\"spec\":{\"serviceName\":\"b" + i.ToString(CultureInfo.InvariantCulture) + "\"}}",
            "application/merge-patch+json"));
        var stopwatch = Stopwatch.StartNew();
        server.Faults.UnfreezeWatches();
        await allReceived.WaitAsync(TimeSpan.FromMinutes(5));
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task WaitForWatchAsync(InProcessApiServer server)
    {
        var deadline = Stopwatch.StartNew();
        while (server.CountRequests("watch") == 0 || deadline.Elapsed < TimeSpan.FromMilliseconds(200))
        {
            await Task.Delay(20);
        }

        server.ClearRequests();
    }

    private static string PkiJson(int i, string serviceName) =>
        "{\"apiVersion\":\"box.com/v1\",\"kind\":\"Pki\",\"metadata\":{\"name\":\"pki-" + i.ToString(CultureInfo.InvariantCulture)
        + "\",\"namespace\":\"bench\",\"labels\":{\"app\":\"app" + i.ToString(CultureInfo.InvariantCulture) + "\"},"
        + "\"managedFields\":[{\"apiVersion\":\"box.com/v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{\".\":{},\"f:serviceName\":{}}},\"manager\":\"transcripts\",\"operation\":\"Update\",\"time\":\"2026-11-25T16:29:19Z\"}]},"
        + "\"spec\":{\"serviceName\":\"" + serviceName + "\"}}";

    private static async Task SendAsync(HttpClient http, HttpMethod method, string path, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task ParallelAsync(int count, Func<int, Task> action)
    {
        var next = -1;
        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await action(i);
            }
        }));
        await Task.WhenAll(workers);
    }

    private static double Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
