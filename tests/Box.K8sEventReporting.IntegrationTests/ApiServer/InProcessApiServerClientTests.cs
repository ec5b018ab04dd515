using System.Text.Json;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>The real KubernetesClient against the cluster fixture (the in-process server, or a real cluster).</summary>
public sealed class InProcessApiServerClientTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>, IAsyncLifetime
{
    private readonly IKubernetes client = cluster.Client;
    private string teamA = null!;

    public async Task InitializeAsync() => teamA = await cluster.CreateNamespaceAsync("team-a");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // About the in-process server's own address.
    public async Task StartAsync_Default_ListensOnLoopbackFreePort()
    {
        await using var server = await InProcessApiServer.StartAsync();
        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
    }

    [Fact]
    public async Task CreateNamespacedPod_ThenGetListDelete_RoundTrips()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "app1", Labels = new Dictionary<string, string> { ["app"] = "app1" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox" }] },
        };

        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, teamA);
        var got = await client.CoreV1.ReadNamespacedPodAsync("app1", teamA);
        var list = await client.CoreV1.ListNamespacedPodAsync(teamA, labelSelector: "app=app1");
        var deleted = await client.CoreV1.DeleteNamespacedPodAsync("app1", teamA);

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal("Pending", created.Status.Phase);
        Assert.Equal(created.Metadata.ResourceVersion, got.Metadata.ResourceVersion);
        Assert.Single(list.Items);
        Assert.Equal("app1", deleted.Metadata.Name);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("app1", teamA));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, ex.Response.StatusCode);
    }

    [Fact]
    public async Task ReplaceNamespacedSecret_StaleResourceVersion_Throws409Conflict()
    {
        var secret = await client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "s1" }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, teamA);
        var stale = secret.Metadata.ResourceVersion;
        secret.Data = new Dictionary<string, byte[]> { ["k"] = "w"u8.ToArray() };
        await client.CoreV1.ReplaceNamespacedSecretAsync(secret, "s1", teamA);
        secret.Metadata.ResourceVersion = stale;

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedSecretAsync(secret, "s1", teamA));

        Assert.Equal(System.Net.HttpStatusCode.Conflict, ex.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(ex.Response.Content);
        Assert.Equal("Conflict", status.Reason);
        var current = await client.CoreV1.ReadNamespacedSecretAsync("s1", teamA);
        Assert.Equal("w", System.Text.Encoding.UTF8.GetString(current.Data["k"]));
    }

    [Fact]
    public async Task ReplaceNamespacedSecret_WithoutResourceVersion_IsAnUnconditionalUpdate()
    {
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s2" }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, teamA);

        var replaced = await client.CoreV1.ReplaceNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "s2" }, Data = new Dictionary<string, byte[]> { ["k"] = "w"u8.ToArray() } }, "s2", teamA);

        Assert.Equal("w", System.Text.Encoding.UTF8.GetString(replaced.Data["k"]));
    }

    [Fact]
    public async Task CustomObjects_CreatePatchStatusAndGet_FollowsStatusSubresourceRules()
    {
        var pki = JsonSerializer.Deserialize<JsonElement>(ApiServerTestHelpers.PkiJson(teamA, "app1-pki", "app1"));

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(pki, "box.com", "v1", teamA, "pkis");
        var patch = new V1Patch("""{"status":{"observedGeneration":1}}""", V1Patch.PatchType.MergePatch);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, "box.com", "v1", teamA, "pkis", "app1-pki");
        var specPatch = new V1Patch("""{"spec":{"serviceName":"app1b"},"status":{"observedGeneration":5}}""", V1Patch.PatchType.MergePatch);
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(specPatch, "box.com", "v1", teamA, "pkis", "app1-pki");
        var got = (JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync("box.com", "v1", teamA, "pkis", "app1-pki");

        Assert.Equal(2, got.GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.Equal("app1b", got.GetProperty("spec").GetProperty("serviceName").GetString());
        Assert.Equal(1, got.GetProperty("status").GetProperty("observedGeneration").GetInt64());
    }

    [Fact]
    public async Task WatchPods_FromListResourceVersion_DeliversAddedModifiedDeletedInOrder()
    {
        var list = await client.CoreV1.ListNamespacedPodAsync(teamA);
        var seen = new List<(WatchEventType Type, string Name, string Rv)>();
        V1Pod deleting = null!;
        using var cts = new CancellationTokenSource(ApiServerTestHelpers.Timeout);
        var watchTask = Task.Run(async () =>
        {
            var events = client.CoreV1.WatchListNamespacedPodAsync(teamA, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token);
            await foreach (var (type, pod) in events)
            {
                seen.Add((type, pod.Metadata.Name, pod.Metadata.ResourceVersion));
                if (seen.Count == 3)
                {
                    deleting = pod;
                }

                if (type == WatchEventType.Deleted)
                {
                    break;
                }
            }
        });

        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "w1" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i" }] } };
        await client.CoreV1.CreateNamespacedPodAsync(pod, teamA);
        await client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"x":"y"}}}""", V1Patch.PatchType.MergePatch), "w1", teamA);
        await client.CoreV1.DeleteNamespacedPodAsync("w1", teamA);
        await watchTask.WaitAsync(ApiServerTestHelpers.Timeout);

        // Graceful deletion (transcript 21f): the pod is first updated with deletionTimestamp, then removed (no node runs it).
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Deleted], seen.Select(s => s.Type));
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        var versions = seen.Select(s => long.Parse(s.Rv, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Distinct().Count(), versions.Count);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Needs bookmarks every 50 ms; a real server sends them about once a minute.
    public async Task WatchPods_AllowWatchBookmarks_ClientReceivesBookmarkWithLatestVersion()
    {
        await using var fast = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(50) });
        using var fastClient = fast.CreateClient();
        var start = await fastClient.CoreV1.ListNamespacedPodAsync("default");
        var created = await fastClient.CoreV1.CreateNamespacedPodAsync(
            new V1Pod { Metadata = new V1ObjectMeta { Name = "b1" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i" }] } }, "default");
        using var cts = new CancellationTokenSource(ApiServerTestHelpers.Timeout);

        var seen = new List<(WatchEventType Type, string Rv)>();
        await foreach (var (type, pod) in fastClient.CoreV1.WatchListNamespacedPodAsync("default", allowWatchBookmarks: true, resourceVersion: start.Metadata.ResourceVersion, cancellationToken: cts.Token))
        {
            seen.Add((type, pod.Metadata.ResourceVersion));
            if (type == WatchEventType.Bookmark)
            {
                break;
            }
        }

        Assert.Equal([(WatchEventType.Added, created.Metadata.ResourceVersion), (WatchEventType.Bookmark, created.Metadata.ResourceVersion)], seen);
    }
}
