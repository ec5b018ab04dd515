using System.Text.Json.Nodes;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing.ApiServer;
using Microsoft.Extensions.Time.Testing;
using static Box.K8sEventReporting.IntegrationTests.ApiServer.ApiServerTestHelpers;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// Watch semantics against the transcripts' rules (03, 04, 17, 18). Tests taking the cluster fixture also run against a
/// real cluster (namespaced watches in fresh namespaces); the others need in-process settings, faults or fake time.
/// </summary>
public sealed class InProcessApiServerWatchTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string Rv(JsonObject o) => o["metadata"]!["resourceVersion"]!.GetValue<string>();

    private static string Type(JsonObject? line) => line?["type"]?.GetValue<string>() ?? "<end>";

    [Fact]
    public async Task Watch_FromListResourceVersion_ReplaysAddedModifiedDeletedWithIncreasingVersions()
    {
        var http = cluster.Http;
        var teamB = await cluster.CreateNamespaceAsync("team-b");
        var (_, list) = await SendJsonAsync(http, "GET", $"/apis/box.com/v1/namespaces/{teamB}/pkis");
        await SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{teamB}/pkis", PkiJson(teamB, "app4-pki", "app4"));
        await SendJsonAsync(http, "PATCH", $"/apis/box.com/v1/namespaces/{teamB}/pkis/app4-pki", """{"spec":{"serviceName":"app4x"}}""", "application/merge-patch+json");
        await SendJsonAsync(http, "PATCH", $"/apis/box.com/v1/namespaces/{teamB}/pkis/app4-pki/status", """{"status":{"observedGeneration":1}}""", "application/merge-patch+json");
        var (deleteStatus, deleted) = await SendJsonAsync(http, "DELETE", $"/apis/box.com/v1/namespaces/{teamB}/pkis/app4-pki");

        await using var watch = await RawWatch.OpenAsync(http, $"/apis/box.com/v1/namespaces/{teamB}/pkis?watch=true&resourceVersion={Rv(list)}&timeoutSeconds=30");
        var lines = new List<JsonObject>();
        for (var i = 0; i < 4; i++)
        {
            lines.Add((await watch.NextAsync())!);
        }

        Assert.Equal(200, deleteStatus);
        Assert.Equal("Success", deleted["status"]!.GetValue<string>());
        Assert.Equal(["ADDED", "MODIFIED", "MODIFIED", "DELETED"], lines.Select(l => Type(l)));
        var versions = lines.Select(l => long.Parse(Rv(l["object"]!.AsObject()), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(versions.Order().Distinct(), versions);
        Assert.Equal(2, lines[1]["object"]!["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(2, lines[2]["object"]!["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(1, lines[3]["object"]!["status"]!["observedGeneration"]!.GetValue<long>());
    }

    [Fact]
    public async Task Watch_WithoutResourceVersion_StartsWithSyntheticAddedForExistingObjects()
    {
        var http = cluster.Http;
        var teamA = await cluster.CreateNamespaceAsync("team-a");
        var teamB = await cluster.CreateNamespaceAsync("team-b");
        var run = teamA;   // a label unique to this test: the all-namespaces watch sees only its objects on a shared cluster
        await SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{teamA}/pkis", PkiJson(teamA, "app1-pki", "app1", $$"""{"run":"{{run}}"}"""));
        await SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{teamB}/pkis", PkiJson(teamB, "app3-pki", "app3", $$"""{"run":"{{run}}"}"""));

        await using var all = await RawWatch.OpenAsync(http, $"/apis/box.com/v1/pkis?watch=true&labelSelector=run%3D{run}&timeoutSeconds=30");
        await using var onlyTeamA = await RawWatch.OpenAsync(http, $"/apis/box.com/v1/namespaces/{teamA}/pkis?watch=true&resourceVersion=0&timeoutSeconds=30");
        var first = await all.NextAsync();
        var second = await all.NextAsync();
        var onlyA = await onlyTeamA.NextAsync();

        Assert.Equal(["ADDED", "ADDED"], new[] { Type(first), Type(second) });
        Assert.Equal(["app1-pki", "app3-pki"], new[] { first, second }.Select(l => l!["object"]!["metadata"]!["name"]!.GetValue<string>()).Order());
        Assert.Equal("app1-pki", onlyA!["object"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.True(await onlyTeamA.StaysQuietAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Needs a history of 5 changes (HistoryLimit); a real watch cache keeps minutes.
    public async Task Watch_ResourceVersionOlderThanHistory_SendsExpiredErrorIn200StreamThenEnds()
    {
        await using var server = await StartWithPkiAsync(new InProcessApiServerOptions { HistoryLimit = 5 });
        using var http = CreateHttp(server);
        var (_, created) = await SendJsonAsync(http, "POST", "/apis/box.com/v1/namespaces/team-a/pkis", PkiJson("team-a", "app2-pki", "app2"));
        for (var i = 0; i < 10; i++)
        {
            await SendJsonAsync(http, "PATCH", "/apis/box.com/v1/namespaces/team-a/pkis/app2-pki", "{\"metadata\":{\"labels\":{\"churn\":\"" + i + "\"}}}", "application/merge-patch+json");
        }

        await using var watch = await RawWatch.OpenAsync(http, $"/apis/box.com/v1/pkis?watch=true&allowWatchBookmarks=true&resourceVersion={Rv(created)}&timeoutSeconds=30");
        var error = await watch.NextAsync();
        var end = await watch.NextLineAsync();

        Assert.Equal(200, watch.StatusCode);
        Assert.Equal("ERROR", Type(error));
        var status = error!["object"]!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Expired", status["reason"]!.GetValue<string>());
        Assert.Equal(410, status["code"]!.GetValue<int>());
        Assert.Matches(@"^too old resource version: \d+ \(\d+\)$", status["message"]!.GetValue<string>());
        Assert.Null(end);
    }

    [Fact]
    public async Task Watch_ResourceVersionStillInHistory_ReplaysOnlyNewerChanges()
    {
        var http = cluster.Http;
        var teamA = await cluster.CreateNamespaceAsync("team-a");
        await SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{teamA}/pkis", PkiJson(teamA, "app2-pki", "app2"));
        var versions = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var (_, patched) = await SendJsonAsync(http, "PATCH", $"/apis/box.com/v1/namespaces/{teamA}/pkis/app2-pki", "{\"metadata\":{\"labels\":{\"churn\":\"" + i + "\"}}}", "application/merge-patch+json");
            versions.Add(Rv(patched));
        }

        await using var watch = await RawWatch.OpenAsync(http, $"/apis/box.com/v1/namespaces/{teamA}/pkis?watch=true&resourceVersion={versions[6]}&timeoutSeconds=30");
        var replayed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            replayed.Add(Rv((await watch.NextAsync())!["object"]!.AsObject()));
        }

        Assert.Equal(versions[7..], replayed);
        Assert.True(await watch.StaysQuietAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Counts on no other writer advancing the shared resourceVersion.
    public async Task Watch_FutureResourceVersion_StaysSilentUntilVersionsPassIt()
    {
        await using var server = await StartWithPkiAsync();
        using var http = CreateHttp(server);
        var future = server.ResourceVersion + 2;

        await using var watch = await RawWatch.OpenAsync(http, $"/api/v1/namespaces/team-a/configmaps?watch=true&resourceVersion={future}&timeoutSeconds=30");
        await SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/configmaps", """{"metadata":{"name":"c1"}}""");
        await SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/configmaps", """{"metadata":{"name":"c2"}}""");
        await SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/configmaps", """{"metadata":{"name":"c3"}}""");
        var line = await watch.NextAsync();

        Assert.Equal(200, watch.StatusCode);
        Assert.Equal("c3", line!["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_InvalidResourceVersion_Answers500WithoutReason()
    {
        var http = cluster.Http;

        var (status, body) = await SendJsonAsync(http, "GET", "/apis/box.com/v1/pkis?watch=true&resourceVersion=abc");

        Assert.Equal(500, status);
        Assert.Null(body["reason"]);
        Assert.Contains("strconv.ParseUint", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_LabelSelector_ObjectLeavingIsDeletedAndReenteringIsAdded()
    {
        var http = cluster.Http;
        var teamA = await cluster.CreateNamespaceAsync("team-a");
        var (_, created) = await SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{teamA}/pkis", PkiJson(teamA, "app1-pki", "app1", """{"app":"app1"}"""));
        var path = $"/apis/box.com/v1/namespaces/{teamA}/pkis/app1-pki";
        const string merge = "application/merge-patch+json";

        await using var watch = await RawWatch.OpenAsync(http, $"/apis/box.com/v1/namespaces/{teamA}/pkis?watch=true&labelSelector=app%3Dapp1&resourceVersion={Rv(created)}&timeoutSeconds=30");
        var (_, away) = await SendJsonAsync(http, "PATCH", path, """{"metadata":{"labels":{"app":"other"}}}""", merge);
        await SendJsonAsync(http, "PATCH", path, """{"metadata":{"annotations":{"while":"outside"}}}""", merge);
        await SendJsonAsync(http, "PATCH", path, """{"metadata":{"labels":{"app":"app1"}}}""", merge);
        await SendJsonAsync(http, "PATCH", path, """{"metadata":{"annotations":{"while":"inside"}}}""", merge);
        var lines = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            lines.Add((await watch.NextAsync())!);
        }

        Assert.Equal(["DELETED", "ADDED", "MODIFIED"], lines.Select(l => Type(l)));
        Assert.Equal("app1", lines[0]["object"]!["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal(Rv(away), Rv(lines[0]["object"]!.AsObject()));
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Fake time drives the server's bookmark timer.
    public async Task Watch_Bookmarks_SentOnIntervalWithLatestVersionOnlyAfterAChange()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T16:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await StartWithPkiAsync(new InProcessApiServerOptions { TimeProvider = time, BookmarkInterval = TimeSpan.FromSeconds(1) });
        using var http = CreateHttp(server);
        var start = server.ResourceVersion;

        await using var watch = await RawWatch.OpenAsync(http, $"/api/v1/namespaces/team-a/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion={start}&timeoutSeconds=60");
        time.Advance(TimeSpan.FromSeconds(1));
        var quiet = await watch.StaysQuietAsync(TimeSpan.FromMilliseconds(100));
        var (_, created) = await SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/configmaps", """{"metadata":{"name":"c1"}}""");
        var added = await watch.PendingAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        var bookmark = await watch.NextAsync();

        Assert.True(quiet);
        Assert.Equal("ADDED", Type(added));
        Assert.Equal("BOOKMARK", Type(bookmark));
        Assert.Equal("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"X"}}""".Replace("X", Rv(created), StringComparison.Ordinal), bookmark!["object"]!.ToJsonString());
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Fake time drives the server's watch timeout.
    public async Task Watch_TimeoutSeconds_EndsStreamCleanlyAfterAFinalBookmark()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T16:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await StartWithPkiAsync(new InProcessApiServerOptions { TimeProvider = time, BookmarkInterval = TimeSpan.FromMinutes(1) });
        using var http = CreateHttp(server);
        var start = server.ResourceVersion;
        await SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/configmaps", """{"metadata":{"name":"c1"}}""");

        await using var watch = await RawWatch.OpenAsync(http, $"/api/v1/namespaces/team-a/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion={start}&timeoutSeconds=5");
        var added = await watch.NextAsync();
        time.Advance(TimeSpan.FromSeconds(5));
        var bookmark = await watch.NextAsync();
        var end = await watch.NextLineAsync();

        Assert.Equal("ADDED", Type(added));
        Assert.Equal("BOOKMARK", Type(bookmark));
        Assert.Null(end);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Fake time drives the server's watch timeout.
    public async Task Watch_QuietTypeFromLatestVersion_TimesOutWithoutBookmark()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartWithPkiAsync(new InProcessApiServerOptions { TimeProvider = time });
        using var http = CreateHttp(server);

        await using var watch = await RawWatch.OpenAsync(http, $"/apis/box.com/v1/pkis?watch=true&allowWatchBookmarks=true&resourceVersion={server.ResourceVersion}&timeoutSeconds=5");
        time.Advance(TimeSpan.FromSeconds(5));
        var end = await watch.NextLineAsync();

        Assert.Null(end);
    }

    [Fact]
    public async Task Watch_TimeoutSecondsOnAQuietNamespace_ServerEndsTheStreamWithoutError()
    {
        var http = cluster.Http;
        var teamA = await cluster.CreateNamespaceAsync("team-a");
        var (_, list) = await SendJsonAsync(http, "GET", $"/apis/box.com/v1/namespaces/{teamA}/pkis");

        await using var watch = await RawWatch.OpenAsync(http, $"/apis/box.com/v1/namespaces/{teamA}/pkis?watch=true&allowWatchBookmarks=true&resourceVersion={Rv(list)}&timeoutSeconds=1");
        var lines = new List<JsonObject>();
        while (await watch.NextAsync(TimeSpan.FromSeconds(30)) is { } line)
        {
            lines.Add(line);
        }

        // Transcript 03f: closed at the timeout without an ERROR. On a shared cluster other writers may move the type's
        // version meanwhile, and then a BOOKMARK may come first; nothing else may.
        Assert.Equal(200, watch.StatusCode);
        Assert.All(lines, l => Assert.Equal("BOOKMARK", Type(l)));
    }

    [Fact]
    public async Task Watch_ManyConcurrentWriters_EveryChangeDeliveredOnceInVersionOrder()
    {
        var http = cluster.Http;
        var teamA = await cluster.CreateNamespaceAsync("team-a");
        var (_, start) = await SendJsonAsync(http, "GET", $"/api/v1/namespaces/{teamA}/configmaps");
        await using var watch = await RawWatch.OpenAsync(http, $"/api/v1/namespaces/{teamA}/configmaps?watch=true&resourceVersion={Rv(start)}&timeoutSeconds=60");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var writer = http;
            for (var i = 0; i < 50; i++)
            {
                var (status, _) = await SendJsonAsync(writer, "POST", $"/api/v1/namespaces/{teamA}/configmaps", "{\"metadata\":{\"name\":\"c-" + w + "-" + i + "\"}}");
                Assert.Equal(201, status);
            }
        })));
        var versions = new List<long>();
        for (var i = 0; i < 400; i++)
        {
            versions.Add(long.Parse(Rv((await watch.NextAsync())!["object"]!.AsObject()), System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(versions.Order().Distinct(), versions);
    }

    [Fact]
    [Trait("Cluster", "InProcessOnly")] // Needs WatchQueueLimit and frozen watches (faults).
    public async Task Watch_FallsFurtherBehindThanQueueLimit_ServerClosesIt()
    {
        await using var server = await StartWithPkiAsync(new InProcessApiServerOptions { WatchQueueLimit = 5 });
        using var http = CreateHttp(server);
        await using var watch = await RawWatch.OpenAsync(http, $"/api/v1/namespaces/team-a/configmaps?watch=true&resourceVersion={server.ResourceVersion}&timeoutSeconds=60");

        server.Faults.FreezeWatches();
        for (var i = 0; i < 10; i++)
        {
            await SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/configmaps", "{\"metadata\":{\"name\":\"c" + i + "\"}}");
        }

        Assert.Null(await watch.NextLineAsync());
    }

    [Fact]
    public async Task Watch_EventsV1_DeliversCoreEventsInEventsV1Shape()
    {
        var http = cluster.Http;
        var teamA = await cluster.CreateNamespaceAsync("team-a");
        var (_, start) = await SendJsonAsync(http, "GET", $"/apis/events.k8s.io/v1/namespaces/{teamA}/events");
        await using var watch = await RawWatch.OpenAsync(http, $"/apis/events.k8s.io/v1/namespaces/{teamA}/events?watch=true&resourceVersion={Rv(start)}&timeoutSeconds=60");

        await SendJsonAsync(http, "POST", $"/api/v1/namespaces/{teamA}/events", $$"""{"metadata":{"name":"e1"},"involvedObject":{"kind":"Pod","name":"app1","namespace":"{{teamA}}"},"reason":"R","message":"hello","type":"Warning","count":3}""");
        var line = await watch.NextAsync();

        var obj = line!["object"]!;
        Assert.Equal("events.k8s.io/v1", obj["apiVersion"]!.GetValue<string>());
        Assert.Equal("hello", obj["note"]!.GetValue<string>());
        Assert.Equal("app1", obj["regarding"]!["name"]!.GetValue<string>());
        Assert.Equal(3, obj["deprecatedCount"]!.GetValue<int>());
    }
}
