using Box.K8sEventReporting.Testing.ApiServer;
using Box.K8sEventReporting.Tests.TestSupport;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>Replays the recorded real-server exchanges (Transcripts/*.http, recorded from a real Kubernetes 1.26 API server) and compares answers.</summary>
[Trait("Cluster", "InProcessOnly")] // Replays the recorded exchanges against the in-process server and compares (uses its fault API to compact history).
public sealed class TranscriptReplayTests
{
    [Fact]
    public async Task Replay_CustomResourceCrudListPagingErrorsAndStatus_MatchesRealServer()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var http = ApiServerTestHelpers.CreateHttp(server);
        var replay = new TranscriptReplayer(server, http);
        await CreateBasePkisAsync(replay, http);

        foreach (var name in new[] { "01b", "02a", "02b" })
        {
            await replay.ReplayAsync(name + "-");
        }

        for (var i = 0; i < 130; i++)
        {
            await ApiServerTestHelpers.SendJsonAsync(http, "PATCH", "/apis/box.com/v1/namespaces/team-a/pkis/app2-pki", "{\"metadata\":{\"labels\":{\"churn\":\"" + i + "\"}}}", "application/merge-patch+json");
        }

        server.Faults.CompactHistory();
        foreach (var name in new[] { "05b", "05c", "05d", "05e" })
        {
            await replay.ReplayAsync(name + "-");
        }

        await replay.ReplayAsync("05a-", loose: true);
        foreach (var name in new[] { "06", "07a", "07b", "07c", "07d", "08a", "08b", "08c", "08d", "08e", "08f", "08g", "08h", "08i", "09a", "09b", "09c", "09e", "09f", "09g", "10f", "11c", "11d" })
        {
            await replay.ReplayAsync(name + "-");
        }

        foreach (var name in new[] { "14a", "14b", "14c", "14d", "14e", "14f", "14g", "14h", "14i", "17b", "17a" })
        {
            await replay.ReplayAsync(name + "-");
        }

        Assert.True(replay.Failures.Count == 0, string.Join("\n", replay.Failures));
    }

    [Fact]
    public async Task Replay_WidgetSchemaGeneratedFromItsClass_MatchesRealServer()
    {
        // Recorded on a Kubernetes 1.28 server with the CRD generated from the same class (README, 22a-22h).
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        server.RegisterCustomResource<Widget>();
        using var http = ApiServerTestHelpers.CreateHttp(server);
        var replay = new TranscriptReplayer(server, http);

        foreach (var name in new[] { "22a", "22b", "22c", "22d", "22e", "22f", "22g", "22h" })
        {
            await replay.ReplayAsync(name + "-");
        }

        Assert.True(replay.Failures.Count == 0, string.Join("\n", replay.Failures));
    }

    [Fact]
    public async Task Replay_CoreAndEventsV1Events_MatchesRealServer()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var http = ApiServerTestHelpers.CreateHttp(server);
        var replay = new TranscriptReplayer(server, http);

        foreach (var name in new[] { "10a", "10b", "10c", "10d", "10e", "10g", "11a", "11b", "11e", "11f", "12a", "12b", "12c", "12d", "12e", "12f", "12g", "13a", "13b", "13c", "13d", "13e", "13f", "13g", "21a", "21b", "21c" })
        {
            await replay.ReplayAsync(name + "-");
        }

        Assert.True(replay.Failures.Count == 0, string.Join("\n", replay.Failures));
    }

    [Fact]
    public async Task Replay_OwnerGarbageCollectionAndLeases_MatchesRealServer()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var http = ApiServerTestHelpers.CreateHttp(server);
        var replay = new TranscriptReplayer(server, http);
        var uids = await CreateBasePkisAsync(replay, http);
        await ApiServerTestHelpers.SendJsonAsync(http, "PATCH", "/apis/box.com/v1/namespaces/team-a/pkis/app2-pki", """{"metadata":{"labels":{"churn":"129"}}}""", "application/merge-patch+json");

        await replay.ReplayAsync("15a-");
        await replay.ReplayAsync("15b-", loose: true);
        await ApiServerTestHelpers.SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/pods", """{"metadata":{"name":"app2","labels":{"app":"app2"}},"spec":{"containers":[{"name":"app","image":"busybox:1.36"}]}}""");
        await replay.ReplayAsync("15c-", loose: true);
        await replay.ReplayAsync("15d-", loose: true);
        await replay.ReplayAsync("15e-");
        await WaitUntilGoneAsync(http, "/api/v1/namespaces/team-a/secrets/app1-pki");   // the collector runs after the DELETE
        await replay.ReplayAsync("15f-");
        await ApiServerTestHelpers.SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/secrets", $$$"""{"metadata":{"name":"app2-pki","ownerReferences":[{"apiVersion":"box.com/v1","kind":"Pki","name":"app2-pki","uid":"{{{uids["app2-pki"]}}}","controller":true,"blockOwnerDeletion":true}]}}""");
        await replay.ReplayAsync("15g-");
        await WaitUntilGoneAsync(http, "/api/v1/namespaces/team-a/secrets/app2-pki");
        await replay.ReplayAsync("15h-");
        foreach (var name in new[] { "16g", "16h", "16i", "16j", "16k", "16l" })
        {
            await replay.ReplayAsync(name + "-");
        }

        Assert.True(replay.Failures.Count == 0, string.Join("\n", replay.Failures));
    }

    [Fact]
    public async Task Replay_SecretAndConfigMapImmutabilityDryRunAndDeletePreconditions_MatchesRealServer()
    {
        await using var server = await InProcessApiServer.StartAsync();
        server.EnsureNamespace("team-imm");
        using var http = ApiServerTestHelpers.CreateHttp(server);
        var replay = new TranscriptReplayer(server, http);

        foreach (var name in new[] { "30a", "30b", "30c", "30d", "30e" })
        {
            await replay.ReplayAsync(name + "-");
        }

        // Recorded without a transcript: a label patch between 30e and 30f (RV 3469 -> 3470), whose version 30g names.
        var (_, touched) = await ApiServerTestHelpers.SendJsonAsync(
            http, "PATCH", "/api/v1/namespaces/team-imm/secrets/app1-pki", """{"metadata":{"labels":{"touched":"yes"}}}""", "application/merge-patch+json");
        replay.Map("3470", touched["metadata"]!["resourceVersion"]!.GetValue<string>());
        foreach (var name in new[] { "30f", "30g", "30h", "30i", "30j", "30k", "30l", "30m", "30n", "30o", "30p", "30q", "30r", "30s", "30t" })
        {
            await replay.ReplayAsync(name + "-");
        }

        Assert.True(replay.Failures.Count == 0, string.Join("\n", replay.Failures));
    }

    [Fact]
    public async Task Replay_ListBeforeCrdExists_AnswersPlainText404()
    {
        await using var server = await InProcessApiServer.StartAsync();
        using var http = ApiServerTestHelpers.CreateHttp(server);
        var replay = new TranscriptReplayer(server, http);

        await replay.ReplayAsync("09d-");

        Assert.True(replay.Failures.Count == 0, string.Join("\n", replay.Failures));
    }

    private static Task WaitUntilGoneAsync(HttpClient http, string path) =>
        Box.K8sEventReporting.IntegrationTests.TestSupport.Wait.UntilAsync(
            async () => (await ApiServerTestHelpers.SendJsonAsync(http, "GET", path)).Status == 404,
            "the garbage collector removed " + path);

    /// <summary>Creates app1-pki, app2-pki (team-a) and app3-pki (team-b) like the transcripts' set-up and maps their recorded versions and uids.</summary>
    private static async Task<Dictionary<string, string>> CreateBasePkisAsync(TranscriptReplayer replay, HttpClient http)
    {
        var recorded = new[]
        {
            ("team-a", "app1", "225", "a471a449-241f-44f9-b342-fe7a897c60ec"),
            ("team-a", "app2", "226", "73a48376-9e72-4bad-83ea-e5b02ec74855"),
            ("team-b", "app3", "227", "adce3e43-390c-4a1f-9820-cfa8bb596285"),
        };
        var uids = new Dictionary<string, string>();
        foreach (var (ns, app, rv, uid) in recorded)
        {
            var (status, body) = await ApiServerTestHelpers.SendJsonAsync(http, "POST", $"/apis/box.com/v1/namespaces/{ns}/pkis", ApiServerTestHelpers.PkiJson(ns, app + "-pki", app, $$"""{"app":"{{app}}"}"""));
            Assert.Equal(201, status);
            replay.Map(rv, body["metadata"]!["resourceVersion"]!.GetValue<string>());
            replay.Map(uid, body["metadata"]!["uid"]!.GetValue<string>());
            uids[app + "-pki"] = body["metadata"]!["uid"]!.GetValue<string>();
        }

        return uids;
    }
}
