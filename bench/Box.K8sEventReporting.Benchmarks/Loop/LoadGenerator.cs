using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ControlPlane;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// The load of PERFORMANCE-BAR.md over the real client (HTTPS, HTTP/2): N namespaces with 2 bare pods each mounting the
/// Secret <c>app-pki</c>, then N Pkis <c>app-pki</c>, every 10th with the invalid serviceName <c>appp1</c>. Pods are sent
/// with the spec a real 1.26 server returns (its defaults, from the recorded transcript in pod-as-served-by-1.26.json);
/// the server adds status and managedFields, so the controller lists and watches pods of a real pod's size.
/// Two watches opened before the controller starts see when it is done.
/// </summary>
internal sealed class LoadGenerator(IKubernetes client, int n, bool runningPods) : IDisposable
{
    public const string PkiName = "app-pki";
    public const string NamespacePrefix = "loop-";
    private const int Parallelism = 16;
    private static readonly JsonObject PodShape = Shape("pod-as-served-by-1.26.json");
    private static readonly JsonObject RunningShape = Shape("pod-running-1.26.json");
    private readonly CancellationTokenSource stopWatches = new();
    private Task watching = Task.CompletedTask;

    public Tracker Tracker { get; } = new(n);

    public static string Ns(int i) => string.Create(CultureInfo.InvariantCulture, $"{NamespacePrefix}{i:D5}");

    /// <summary>
    /// Creates 2 pods in each of the N namespaces (which must exist); with <c>runningPods</c>, as on a cluster with nodes:
    /// bound to a node, with the service account's token volume, then given a running status by the "kubelet".
    /// </summary>
    public Task CreatePodsAsync() => Parallel.ForEachAsync(
        Enumerable.Range(0, 2 * n),
        new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
        async (j, ct) =>
        {
            await client.CoreV1.CreateNamespacedPodAsync(Pod(Ns(j / 2), $"app-{j % 2}", runningPods), Ns(j / 2), cancellationToken: ct);
            if (runningPods)
            {
                var status = new JsonObject { ["status"] = RunningShape["status"]!.DeepClone() }.ToJsonString();
                await client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(status, V1Patch.PatchType.MergePatch), $"app-{j % 2}", Ns(j / 2), fieldManager: "kubelet", cancellationToken: ct);
            }
        });

    /// <summary>Bytes of JSON of one pod as the server returns it.</summary>
    public async Task<int> PodSizeAsync() =>
        n == 0 ? 0 : KubernetesJson.Serialize(await client.CoreV1.ReadNamespacedPodAsync("app-0", Ns(0))).Length;

    /// <summary>Creates the N Pkis, 16 in flight; returns when the last create was answered.</summary>
    public async Task<TimeSpan> CreatePkisAsync(Stopwatch timer)
    {
        await Parallel.ForEachAsync(
            Enumerable.Range(0, n),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (i, ct) => await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                new Pki { Metadata = new V1ObjectMeta { Name = PkiName, NamespaceProperty = Ns(i) }, Spec = new PkiSpec { ServiceName = Tracker.IsInvalid(i) ? "appp1" : $"app{1 + (i % 2)}" } },
                "box.com",
                "v1",
                Ns(i),
                "pkis",
                cancellationToken: ct));
        return timer.Elapsed;
    }

    /// <summary>Opens the two watches that tell when the controller is done.</summary>
    public void StartWatching() => watching = Task.WhenAll(WatchSecretsAsync(stopWatches.Token), WatchEventsAsync(stopWatches.Token));

    public async Task StopWatchingAsync()
    {
        await stopWatches.CancelAsync();
        await watching;
    }

    /// <summary>Event objects in the load's namespaces, the sum of their counts, and how many are Warnings on pods.</summary>
    public async Task<(int Objects, long Count, int OnPods)> EventsAsync()
    {
        var events = (await client.CoreV1.ListEventForAllNamespacesAsync()).Items
            .Where(e => e.Metadata.NamespaceProperty.StartsWith(NamespacePrefix, StringComparison.Ordinal))
            .ToList();
        return (events.Count, events.Sum(e => (long)(e.Count ?? 1)), events.Count(e => e.InvolvedObject?.Kind == "Pod"));
    }

    public void Dispose() => stopWatches.Dispose();

    private static JsonObject Shape(string file) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Loop", file)))!;

    private static V1Pod Pod(string ns, string name, bool running)
    {
        var pod = (JsonObject)PodShape.DeepClone();
        pod.Remove("status");
        var meta = (JsonObject)pod["metadata"]!;
        foreach (var key in new[] { "uid", "resourceVersion", "creationTimestamp", "managedFields" })
        {
            meta.Remove(key);
        }

        meta["name"] = name;
        meta["namespace"] = ns;
        meta["labels"] = new JsonObject { ["app"] = "app" };
        pod["spec"]!["volumes"]![0]!["secret"]!["secretName"] = PkiName;
        if (running)
        {
            var spec = (JsonObject)pod["spec"]!;
            var extra = RunningShape["spec"]!;
            spec["serviceAccountName"] = extra["serviceAccountName"]!.DeepClone();
            spec["serviceAccount"] = extra["serviceAccount"]!.DeepClone();
            spec["nodeName"] = extra["nodeName"]!.DeepClone();
            ((JsonArray)spec["volumes"]!).Add(extra["volumes"]![0]!.DeepClone());
            ((JsonArray)spec["containers"]![0]!["volumeMounts"]!).Add(extra["volumeMounts"]![0]!.DeepClone());
        }
        return KubernetesJson.Deserialize<V1Pod>(pod.ToJsonString());
    }

    private async Task WatchSecretsAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var (type, secret) in client.CoreV1.WatchListSecretForAllNamespacesAsync(resourceVersion: resourceVersion, cancellationToken: cancellationToken))
                {
                    resourceVersion = secret.Metadata.ResourceVersion;
                    if (type is WatchEventType.Added or WatchEventType.Modified && secret.Metadata.Name == PkiName)
                    {
                        Tracker.SecretSeen(secret.Metadata.NamespaceProperty);
                    }
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            Tracker.Rewatched();
        }
    }

    private async Task WatchEventsAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var (type, e) in client.CoreV1.WatchListEventForAllNamespacesAsync(resourceVersion: resourceVersion, cancellationToken: cancellationToken))
                {
                    resourceVersion = e.Metadata.ResourceVersion;
                    if (type is WatchEventType.Added or WatchEventType.Modified && e.Type == "Warning" && e.InvolvedObject?.Kind == "Pod")
                    {
                        Tracker.WarningSeen(e.InvolvedObject.NamespaceProperty, e.InvolvedObject.Name);
                    }
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            Tracker.Rewatched();
        }
    }
}

/// <summary>What remains to be seen: the Secret of every valid Pki and a Warning on every pod of an invalid one.</summary>
internal sealed class Tracker
{
    private readonly ConcurrentDictionary<string, byte> pendingSecrets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> pendingPods = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int secrets;
    private readonly int pods;
    private int rewatches;

    public Tracker(int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (IsInvalid(i))
            {
                pendingPods[LoadGenerator.Ns(i) + "/app-0"] = 0;
                pendingPods[LoadGenerator.Ns(i) + "/app-1"] = 0;
            }
            else
            {
                pendingSecrets[LoadGenerator.Ns(i)] = 0;
            }
        }

        secrets = pendingSecrets.Count;
        pods = pendingPods.Count;
        CheckDone();   // N = 0: start-up on an empty cluster only
    }

    public Task Done => done.Task;

    /// <summary>Gets how many times one of the two watches was opened again (their requests are not the controller's).</summary>
    public int Rewatches => Volatile.Read(ref rewatches);

    /// <summary>Gets the floor of API writes: one Secret per valid Pki and one Event per affected pod.</summary>
    public int Floor => secrets + pods;

    public string Progress => $"Secrets {secrets - pendingSecrets.Count:N0}/{secrets:N0}, warned pods {pods - pendingPods.Count:N0}/{pods:N0}";

    public static bool IsInvalid(int i) => i % 10 == 0;

    public void SecretSeen(string ns)
    {
        pendingSecrets.TryRemove(ns, out _);
        CheckDone();
    }

    public void WarningSeen(string ns, string pod)
    {
        pendingPods.TryRemove(ns + "/" + pod, out _);
        CheckDone();
    }

    public void Rewatched() => Interlocked.Increment(ref rewatches);

    private void CheckDone()
    {
        if (pendingSecrets.IsEmpty && pendingPods.IsEmpty)
        {
            done.TrySetResult();
        }
    }
}
