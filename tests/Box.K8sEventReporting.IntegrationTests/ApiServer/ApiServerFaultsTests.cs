using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using k8s.Autorest;
using k8s.Models;
using static Box.K8sEventReporting.IntegrationTests.ApiServer.ApiServerTestHelpers;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>Each fault of <see cref="ApiServerFaults"/>.</summary>
[Trait("Cluster", "InProcessOnly")] // Tests the in-process server's fault API and request recording.
public sealed class ApiServerFaultsTests : IAsyncLifetime
{
    private InProcessApiServer server = null!;
    private HttpClient http = null!;

    public async Task InitializeAsync()
    {
        server = await StartWithPkiAsync();
        http = CreateHttp(server);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await server.DisposeAsync();
    }

    private Task<RawWatch> OpenConfigMapWatchAsync() =>
        RawWatch.OpenAsync(http, $"/api/v1/namespaces/team-a/configmaps?watch=true&resourceVersion={server.ResourceVersion}&timeoutSeconds=60");

    private async Task CreateConfigMapAsync(string name) => await SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/configmaps", "{\"metadata\":{\"name\":\"" + name + "\"}}");

    [Fact]
    public async Task CloseAllWatches_OpenWatch_StreamEnds()
    {
        await using var watch = await OpenConfigMapWatchAsync();
        await CreateConfigMapAsync("c1");
        Assert.NotNull(await watch.NextAsync());

        server.Faults.CloseAllWatches();

        Assert.Null(await watch.NextLineAsync());
    }

    [Fact]
    public async Task CompactHistory_WatchAndExactListFromOlderVersion_Answer410()
    {
        var before = server.ResourceVersion;
        await CreateConfigMapAsync("c1");

        server.Faults.CompactHistory();
        await using var watch = await RawWatch.OpenAsync(http, $"/api/v1/namespaces/team-a/configmaps?watch=true&resourceVersion={before}");
        var error = await watch.NextAsync();
        var (listStatus, list) = await SendJsonAsync(http, "GET", $"/api/v1/namespaces/team-a/configmaps?resourceVersion={before}&resourceVersionMatch=Exact");
        var (currentStatus, _) = await SendJsonAsync(http, "GET", $"/api/v1/namespaces/team-a/configmaps?resourceVersion={before}");

        Assert.Equal("ERROR", error!["type"]!.GetValue<string>());
        Assert.Equal(410, error["object"]!["code"]!.GetValue<int>());
        Assert.Equal(410, listStatus);
        Assert.Equal("Expired", list["reason"]!.GetValue<string>());
        Assert.Equal(200, currentStatus);
    }

    [Fact]
    public async Task SendErrorToWatches_OpenWatch_ReceivesErrorEventThenEnds()
    {
        await using var watch = await OpenConfigMapWatchAsync();

        server.Faults.SendErrorToWatches(new V1Status { Code = 500, Reason = "InternalError", Message = "etcd is sad", Status = "Failure" });
        var error = await watch.NextAsync();

        Assert.Equal("ERROR", error!["type"]!.GetValue<string>());
        Assert.Equal("Status", error["object"]!["kind"]!.GetValue<string>());
        Assert.Equal(500, error["object"]!["code"]!.GetValue<int>());
        Assert.Equal("etcd is sad", error["object"]!["message"]!.GetValue<string>());
        Assert.Null(await watch.NextLineAsync());
    }

    [Fact]
    public async Task FailNext_MatchingVerbAndPath_FailsExactlyCountRequestsWithRetryAfter()
    {
        using var client = server.CreateClient();
        server.Faults.FailNext(2, "/configmaps", 503, TimeSpan.FromSeconds(2), verb: "list");

        var first = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedConfigMapAsync("team-a"));
        await CreateConfigMapAsync("not-a-list");
        var second = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedConfigMapAsync("team-a"));
        var third = await client.CoreV1.ListNamespacedConfigMapAsync("team-a");

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, first.Response.StatusCode);
        Assert.Equal(["2"], first.Response.Headers["Retry-After"]);
        var status = KubernetesJson.Deserialize<V1Status>(second.Response.Content);
        Assert.Equal(("ServiceUnavailable", 503), (status.Reason, status.Code));
        Assert.Equal(2, status.Details.RetryAfterSeconds);
        Assert.Single(third.Items);
    }

    [Fact]
    public async Task Reset_PendingFailure_RequestSucceeds()
    {
        server.Faults.FailNext(1, null, 500);

        server.Faults.Reset();
        var (status, _) = await SendJsonAsync(http, "GET", "/api/v1/namespaces/team-a/configmaps");

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task InjectRawIntoWatches_OpenWatch_WritesTextAsIs()
    {
        await using var watch = await OpenConfigMapWatchAsync();

        server.Faults.InjectRawIntoWatches("{\"type\":\"ADDED\",\"obj\n");
        var line = await watch.NextLineAsync();

        Assert.Equal("{\"type\":\"ADDED\",\"obj", line);
    }

    [Fact]
    public async Task Delay_MatchingPathHeldWhileAnUnmatchedRequestIsAnswered()
    {
        server.Faults.Delay(TimeSpan.FromMinutes(5), "/secrets");
        var held = SendJsonAsync(http, "GET", "/api/v1/namespaces/team-a/secrets");

        var (status, _) = await SendJsonAsync(http, "GET", "/api/v1/namespaces/team-a/configmaps");

        Assert.Equal(200, status);
        Assert.False(held.IsCompleted, "the delayed request must still be held");
    }

    [Fact]
    public async Task FreezeWatches_ChangeWhileFrozen_DeliveredOnlyAfterUnfreeze()
    {
        await using var watch = await OpenConfigMapWatchAsync();

        server.Faults.FreezeWatches();
        await CreateConfigMapAsync("c1");
        var quiet = await watch.StaysQuietAsync(TimeSpan.FromMilliseconds(200));
        server.Faults.UnfreezeWatches();
        var line = await watch.PendingAsync();

        Assert.True(quiet);
        Assert.Equal("c1", line!["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Requests_AfterCalls_RecordsVerbPathQueryAndStatus()
    {
        server.ClearRequests();

        await SendJsonAsync(http, "GET", "/api/v1/namespaces/team-a/pods?limit=1");
        await SendJsonAsync(http, "GET", "/api/v1/namespaces/team-a/pods/nope");

        Assert.Equal(
            [new RecordedRequest("GET", "list", "/api/v1/namespaces/team-a/pods", "?limit=1", 200) { Protocol = "HTTP/1.1" }, new RecordedRequest("GET", "get", "/api/v1/namespaces/team-a/pods/nope", string.Empty, 404) { Protocol = "HTTP/1.1" }],
            server.Requests);
        Assert.Equal(1, server.CountRequests("list", "/pods"));
    }
}
