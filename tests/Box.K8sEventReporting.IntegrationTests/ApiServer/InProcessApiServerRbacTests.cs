using System.Net.Http.Headers;
using System.Text;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// RBAC in the in-process API server (opt-in): a service account gets exactly what its bindings grant, refusals are
/// worded like the real server's (rbac-transcripts/20a–20c, recorded from Kubernetes 1.26).
/// </summary>
public sealed class InProcessApiServerRbacTests
{
    private static readonly ServiceAccountIdentity App = new("team-a", "app");

    private const string Policy = """
        apiVersion: v1
        kind: ServiceAccount
        metadata: { name: app, namespace: team-a }
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: { name: reader }
        rules:
          - { apiGroups: ["box.com"], resources: ["pkis"], verbs: ["get", "list", "watch"] }
          - { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["only-this"] }
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: { name: reader }
        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader }
        subjects: [ { kind: ServiceAccount, name: app, namespace: team-a } ]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: { name: status-writer, namespace: team-a }
        rules:
          - { apiGroups: ["box.com"], resources: ["pkis/status"], verbs: ["patch"] }
          - { apiGroups: ["*"], resources: ["*/status"], verbs: ["update"] }
          - { apiGroups: [""], resources: ["secrets"], verbs: ["create"] }
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: { name: status-writer, namespace: team-a }
        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: status-writer }
        subjects: [ { kind: ServiceAccount, name: app } ]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: { name: events-anything }
        rules:
          - { apiGroups: [""], resources: ["events"], verbs: ["*"] }
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: { name: events-in-team-b, namespace: team-b }
        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: events-anything }
        subjects: [ { kind: Group, name: "system:serviceaccounts:team-a" } ]
        """;

    private const string EventJson = """{"apiVersion":"v1","kind":"Event","metadata":{"name":"x.1"},"involvedObject":{"kind":"Pod","namespace":"NS","name":"app1"},"reason":"R","message":"m","type":"Warning"}""";

    [Fact]
    public async Task Requests_AsServiceAccount_AllowedOrDeniedByVerbGroupResourceSubresourceNameAndBindingScope()
    {
        await using var server = await StartAsync();
        using var http = Http(server, Token(server, App));
        var cases = new (string Method, string Path, string? Body, bool Forbidden)[]
        {
            ("GET", "/apis/box.com/v1/namespaces/team-a/pkis/p1", null, false),
            ("GET", "/apis/box.com/v1/pkis", null, false),
            ("GET", "/apis/box.com/v1/namespaces/team-b/pkis?watch=true&timeoutSeconds=1", null, false),
            ("GET", "/apis/box.com/v1/namespaces/team-a/pkis/p1/status", null, true),
            ("PATCH", "/apis/box.com/v1/namespaces/team-a/pkis/p1/status", "{}", false),
            ("PATCH", "/apis/box.com/v1/namespaces/team-b/pkis/p1/status", "{}", true),
            ("PATCH", "/apis/box.com/v1/namespaces/team-a/pkis/p1", "{}", true),
            ("PUT", "/apis/box.com/v1/namespaces/team-a/pkis/p1/status", "{}", false),
            ("PUT", "/apis/apps/v1/namespaces/team-a/deployments/d/status", "{}", false),
            ("DELETE", "/apis/box.com/v1/namespaces/team-a/pkis/p1", null, true),
            ("DELETE", "/apis/box.com/v1/namespaces/team-a/pkis", null, true),
            ("GET", "/api/v1/namespaces/team-a/secrets/only-this", null, false),
            ("GET", "/api/v1/namespaces/team-a/secrets/other", null, true),
            ("GET", "/api/v1/namespaces/team-a/secrets", null, true),
            ("POST", "/api/v1/namespaces/team-b/events", EventJson.Replace("NS", "team-b", StringComparison.Ordinal), false),
            ("POST", "/api/v1/namespaces/team-a/events", EventJson.Replace("NS", "team-a", StringComparison.Ordinal), true),
            ("DELETE", "/api/v1/namespaces/team-b/events", null, false),
            ("GET", "/apis/events.k8s.io/v1/namespaces/team-b/events", null, true),
            ("GET", "/apis/coordination.k8s.io/v1/namespaces/team-a/leases", null, true),
            ("GET", "/version", null, false),
            ("GET", "/apis/box.com/v1", null, false),
            ("GET", "/metrics", null, true),
        };

        var wrong = new List<string>();
        foreach (var (method, path, body, forbidden) in cases)
        {
            using var response = await ApiServerTestHelpers.SendAsync(http, method, path, body, method == "PATCH" ? "application/merge-patch+json" : "application/json");
            if (((int)response.StatusCode == 403) != forbidden)
            {
                wrong.Add($"{method} {path}: {(int)response.StatusCode}, expected {(forbidden ? "403" : "not 403")}");
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public async Task Denied_NamedSubresource_IsTheRealForbiddenStatus()
    {
        await using var server = await StartAsync();
        using var http = Http(server, Token(server, App));

        using var response = await ApiServerTestHelpers.SendAsync(http, "GET", "/apis/box.com/v1/namespaces/team-a/pkis/x/status");

        Assert.Equal(403, (int)response.StatusCode);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pkis.box.com \"x\" is forbidden: User \"system:serviceaccount:team-a:app\" cannot get resource \"pkis/status\" in API group \"box.com\" in the namespace \"team-a\"","reason":"Forbidden","details":{"name":"x","group":"box.com","kind":"pkis"},"code":403}""" + "\n",
            await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("20b-forbidden-impersonated-serviceaccount-create-event")]
    [InlineData("20c-forbidden-impersonated-serviceaccount-watch-pkis")]
    public async Task Denied_AsRecordedFromARealServer_SameStatusHeadersAndBody(string transcript)
    {
        await using var server = await StartAsync();
        var recorded = RecordedExchange.Load(transcript);
        var user = recorded.RequestHeaders["Impersonate-User"].Split(':');
        using (var admin = server.CreateClient())
        {
            await admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = user[3] } }, user[2]);
        }

        using var http = Http(server, Token(server, new ServiceAccountIdentity(user[2], user[3])));
        using var response = await ApiServerTestHelpers.SendAsync(http, recorded.Method, recorded.Target, recorded.RequestBody);

        Assert.Equal(recorded.StatusCode, (int)response.StatusCode);
        Assert.Equal(recorded.ResponseHeaders["X-Content-Type-Options"], Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(recorded.ResponseBody, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownTokenOrDeletedServiceAccount_Is401AsRecorded()
    {
        await using var server = await StartAsync();
        var recorded = RecordedExchange.Load("20a-unauthorized-bad-bearer-token");
        var token = Token(server, App);
        using var bogus = Http(server, "bogus");
        using var deleted = Http(server, token);
        using (var admin = server.CreateClient())
        {
            await admin.CoreV1.DeleteNamespacedServiceAccountAsync(App.Name, App.Namespace);
        }

        using var first = await ApiServerTestHelpers.SendAsync(bogus, recorded.Method, recorded.Target);
        using var second = await ApiServerTestHelpers.SendAsync(deleted, recorded.Method, recorded.Target);

        Assert.Equal(recorded.StatusCode, (int)first.StatusCode);
        Assert.Equal(recorded.ResponseBody, await first.Content.ReadAsStringAsync());
        Assert.Equal(401, (int)second.StatusCode);
    }

    [Fact]
    public async Task Decisions_RecordUserRequestOutcomeAndTheRuleThatAllowed()
    {
        await using var server = await StartAsync();
        using var client = server.CreateClient(App);
        server.ClearAuthorizationDecisions();

        await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("{}", V1Patch.PatchType.MergePatch), "box.com", "v1", "team-a", "pkis", "p1"));
        var denied = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedPodAsync("team-a"));

        var decisions = server.AuthorizationDecisions;
        var allowed = decisions[0];
        Assert.Equal(("system:serviceaccount:team-a:app", "patch", "box.com", "pkis", "status", "team-a", "p1", true), (allowed.User, allowed.Verb, allowed.ApiGroup, allowed.Resource, allowed.Subresource, allowed.Namespace, allowed.Name, allowed.Allowed));
        Assert.Equal("RBAC: allowed by RoleBinding \"status-writer/team-a\" of Role \"status-writer\" to ServiceAccount \"app/team-a\"", allowed.Reason);
        Assert.Equal(["pkis/status"], allowed.Rule!.Resources);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, denied.Response.StatusCode);
        Assert.Equal(("list", "pods", false, (V1PolicyRule?)null), (decisions[1].Verb, decisions[1].Resource, decisions[1].Allowed, decisions[1].Rule));
    }

    [Fact]
    public async Task BlockOwnerDeletion_WithoutUpdateOnOwnersFinalizers_IsRefusedByOwnerReferencesAdmission()
    {
        await using var server = await StartAsync();
        using var client = server.CreateClient(App);
        V1Secret Secret(string name, bool block) => new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                OwnerReferences = [new V1OwnerReference { ApiVersion = "box.com/v1", Kind = "Pki", Name = "p1", Uid = "u-1", Controller = true, BlockOwnerDeletion = block }],
            },
        };

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedSecretAsync(Secret("blocking", block: true), "team-a"));
        await client.CoreV1.CreateNamespacedSecretAsync(Secret("not-blocking", block: false), "team-a");

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Contains(
            "\"message\":\"secrets \\\"blocking\\\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>\"",
            refused.Response.Content, StringComparison.Ordinal);
        Assert.Contains(server.AuthorizationDecisions, d => !d.Allowed && d.Verb == "update" && d.ResourceAndSubresource == "pkis/finalizers" && d.Name == "p1" && d.Namespace == "team-a");
    }

    [Fact]
    public async Task TokenRequest_IssuesATokenThatAuthenticatesAsTheServiceAccount()
    {
        await using var server = await StartAsync();
        using var admin = server.CreateClient();

        var token = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, App.Name, App.Namespace);
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString(), AccessToken = token.Status.Token });
        await client.CustomObjects.ListClusterCustomObjectAsync("box.com", "v1", "pkis");

        Assert.Equal(App.UserName, server.AuthorizationDecisions[^1].User);
        Assert.Equal(404, (int)(await Assert.ThrowsAsync<HttpOperationException>(() =>
            admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, "nobody", "team-a"))).Response.StatusCode);
    }

    [Fact]
    public async Task RbacOff_ByDefault_ServiceAccountMayDoAnythingAndNothingIsRecorded()
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync();
        using var client = server.CreateClient(App);

        await client.CoreV1.ListNamespacedSecretAsync("team-a");

        Assert.Empty(server.AuthorizationDecisions);
    }

    private static async Task<InProcessApiServer> StartAsync()
    {
        var server = await ApiServerTestHelpers.StartWithPkiAsync(new InProcessApiServerOptions { EnforceRbac = true });
        using var admin = server.CreateClient();
        await KubernetesManifests.ApplyAsync(admin, Policy, createPodsForWorkloads: false);
        return server;
    }

    private static string Token(InProcessApiServer server, ServiceAccountIdentity identity) => server.CreateClientConfiguration(identity).AccessToken;

    private static HttpClient Http(InProcessApiServer server, string token)
    {
        var http = ApiServerTestHelpers.CreateHttp(server);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A copied transcript under rbac-transcripts/ (format: Transcripts/README.md).</summary>
    private sealed record RecordedExchange(string Method, string Target, IReadOnlyDictionary<string, string> RequestHeaders, string? RequestBody, int StatusCode, IReadOnlyDictionary<string, string> ResponseHeaders, string ResponseBody)
    {
        public static RecordedExchange Load(string name)
        {
            var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "rbac-transcripts", name + ".http"), Encoding.UTF8);
            var responseAt = text.IndexOf("\nHTTP/1.1 ", StringComparison.Ordinal) + 1;
            var (request, response) = (text[..responseAt], text[responseAt..]);
            var requestHeadEnd = request.IndexOf("\n\n", StringComparison.Ordinal);
            var requestHead = request[..requestHeadEnd].Split('\n');
            var requestHeaders = Headers(requestHead.Skip(1));
            var body = requestHeaders.TryGetValue("Content-Length", out var length) ? request.Substring(requestHeadEnd + 2, int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)) : null;
            var responseHeadEnd = response.IndexOf("\n\n", StringComparison.Ordinal);
            var responseHead = response[..responseHeadEnd].Split('\n');
            var target = requestHead[0].Split(' ');
            return new RecordedExchange(target[0], target[1], requestHeaders, body, int.Parse(responseHead[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), Headers(responseHead.Skip(1)), response[(responseHeadEnd + 2)..]);
        }

        private static Dictionary<string, string> Headers(IEnumerable<string> lines) =>
            lines.Where(l => l.Contains(':', StringComparison.Ordinal))
                .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), StringComparer.OrdinalIgnoreCase);
    }
}
