using System.Net;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using static Box.K8sEventReporting.IntegrationTests.ApiServer.ApiServerTestHelpers;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// Validating admission webhooks: the in-process server calls a real HTTPS webhook (<see cref="TestWebhook"/>) as a
/// Kubernetes 1.26 API server does, and the real KubernetesClient sees the outcome.
/// </summary>
[Trait("Cluster", "InProcessOnly")] // The webhook runs in the test process, reached through MapService (no Service network).
public sealed class InProcessApiServerWebhookTests
{
    private const string ServerName = "webhook.controlplane.svc";

    private static V1ValidatingWebhookConfiguration Configuration(
        TestWebhook webhook, string failurePolicy = "Fail", int? timeoutSeconds = null, V1LabelSelector? namespaceSelector = null, byte[]? caBundle = null, string[]? resources = null, string? url = null) => new()
        {
            Metadata = new V1ObjectMeta { Name = "pki-validation" },
            Webhooks =
            [
                new V1ValidatingWebhook
                {
                    Name = "pkis.box.com",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "None",
                    FailurePolicy = failurePolicy,
                    TimeoutSeconds = timeoutSeconds,
                    NamespaceSelector = namespaceSelector,
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig
                    {
                        CaBundle = caBundle ?? webhook.CaBundle,
                        Service = url is null ? new Admissionregistrationv1ServiceReference { NamespaceProperty = "controlplane", Name = "webhook", Path = "/validate" } : null,
                        Url = url,
                    },
                    Rules = [new V1RuleWithOperations { ApiGroups = ["box.com"], ApiVersions = ["v1"], Resources = resources ?? ["pkis"], Operations = ["CREATE", "UPDATE"] }],
                },
            ],
        };

    private static JsonObject Pki(string name, string serviceName) => new()
    {
        ["apiVersion"] = "box.com/v1",
        ["kind"] = "Pki",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["serviceName"] = serviceName },
    };

    private static async Task<(InProcessApiServer Server, IKubernetes Client)> StartAsync(TestWebhook webhook, V1ValidatingWebhookConfiguration configuration, InProcessApiServerOptions? options = null)
    {
        var server = await StartWithPkiAsync(options);
        server.MapService("controlplane", "webhook", 443, webhook.Endpoint);
        var client = server.CreateClient();
        await client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(configuration);
        return (server, client);
    }

    /// <summary>Creates app1-pki in team-a, expecting a refusal: its code and Status.</summary>
    private static async Task<(HttpStatusCode Code, V1Status Status)> CreateRefusedAsync(IKubernetes client, Task? create = null)
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => create ?? client.CustomObjects.CreateNamespacedCustomObjectAsync(Pki("app1-pki", "app1"), "box.com", "v1", "team-a", "pkis"));
        return (ex.Response.StatusCode, KubernetesJson.Deserialize<V1Status>(ex.Response.Content));
    }

    private static async Task<bool> ExistsAsync(IKubernetes client, string ns, string name)
    {
        try
        {
            await client.CustomObjects.GetNamespacedCustomObjectAsync("box.com", "v1", ns, "pkis", name);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    [Fact]
    public async Task CreateConfiguration_Defaults_FilledAsTheRealServerDoes()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r)));
        var (server, client) = await StartAsync(webhook, Configuration(webhook));
        await using var _ = server;
        using var __ = client;

        var stored = Assert.Single((await client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("pki-validation")).Webhooks);

        Assert.Equal("Fail", stored.FailurePolicy);
        Assert.Equal("Equivalent", stored.MatchPolicy);
        Assert.Equal(10, stored.TimeoutSeconds);
        Assert.Equal(443, stored.ClientConfig.Service.Port);
        Assert.Equal("*", Assert.Single(stored.Rules).Scope);
        Assert.NotNull(stored.NamespaceSelector);
    }

    [Fact]
    public async Task CreateConfiguration_MissingSideEffectsAndVersionsAndLongTimeout_Is422WithEachCause()
    {
        await using var server = await StartWithPkiAsync();
        using var http = CreateHttp(server);
        const string Body = """
            {"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration","metadata":{"name":"bad"},
             "webhooks":[{"name":"pkis.box.com","timeoutSeconds":31,"clientConfig":{"url":"http://127.0.0.1:1/x"},
               "rules":[{"operations":["CREATE"],"apiGroups":["box.com"],"apiVersions":["v1"],"resources":["pkis"]}]}]}
            """;

        var (status, body) = await SendJsonAsync(http, "POST", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", Body);

        Assert.Equal(422, status);
        var causes = body["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>() + ": " + c["message"]!.GetValue<string>()).ToList();
        Assert.Contains("webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun", causes);
        Assert.Contains("webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds", causes);
        Assert.Contains("webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1", causes);
        Assert.Contains("webhooks[0].clientConfig.url: Invalid value: \"http://127.0.0.1:1/x\": 'https' is the only allowed URL scheme", causes);
        Assert.StartsWith("ValidatingWebhookConfiguration.admissionregistration.k8s.io \"bad\" is invalid: [", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WebhookAllowsWithWarnings_ClientGetsWarningHeadersAndTheObjectIsStored()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r, "ServiceName: appp1 is not in allowedNames", "a \"quoted\" \\ word")));
        var (server, client) = await StartAsync(webhook, Configuration(webhook));
        await using var _ = server;
        using var __ = client;

        using var response = await client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(Pki("app1-pki", "appp1"), "box.com", "v1", "team-a", "pkis");

        Assert.True(response.Response.Headers.NonValidated.TryGetValues("Warning", out var warnings));
        Assert.Equal(["299 - \"ServiceName: appp1 is not in allowedNames\"", "299 - \"a \\\"quoted\\\" \\\\ word\""], warnings.ToArray());
        Assert.True(await ExistsAsync(client, "team-a", "app1-pki"));
    }

    [Fact]
    public async Task Create_AdmissionReview_CarriesTheRequestAsTheRealServerSendsIt()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r)));
        var (server, client) = await StartAsync(webhook, Configuration(webhook, timeoutSeconds: 5));
        await using var _ = server;
        using var __ = client;

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Pki("app1-pki", "app1"), "box.com", "v1", "team-a", "pkis", fieldManager: "tester");

        var (pathAndQuery, review) = Assert.Single(webhook.Received);
        Assert.Equal("/validate?timeout=5s", pathAndQuery);
        Assert.Equal("admission.k8s.io/v1", review["apiVersion"]!.GetValue<string>());
        var request = review["request"]!.AsObject();
        var stored = await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>("box.com", "v1", "team-a", "pkis", "app1-pki");
        Assert.False(string.IsNullOrEmpty(request["uid"]!.GetValue<string>()));
        Assert.Equal("""{"group":"box.com","version":"v1","kind":"Pki"}""", request["kind"]!.ToJsonString());
        Assert.Equal("""{"group":"box.com","version":"v1","resource":"pkis"}""", request["resource"]!.ToJsonString());
        Assert.Equal(request["kind"]!.ToJsonString(), request["requestKind"]!.ToJsonString());
        Assert.Equal("CREATE", request["operation"]!.GetValue<string>());
        Assert.Equal("app1-pki", request["name"]!.GetValue<string>());
        Assert.Equal("team-a", request["namespace"]!.GetValue<string>());
        Assert.Equal("system:admin", request["userInfo"]!["username"]!.GetValue<string>());
        Assert.Equal(stored["metadata"]!["uid"]!.GetValue<string>(), request["object"]!["metadata"]!["uid"]!.GetValue<string>());
        Assert.Null(request["oldObject"]);
        Assert.False(request["dryRun"]!.GetValue<bool>());
        Assert.Equal("""{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1","fieldManager":"tester"}""", request["options"]!.ToJsonString());
    }

    [Fact]
    public async Task Create_WebhookDenies_ClientGetsTheWebhookStatusWithCausesAndNothingIsStored()
    {
        var causes = new JsonArray(new JsonObject { ["field"] = "spec.serviceName", ["reason"] = "InvalidServiceName", ["message"] = "appp1 is not in allowedNames" });
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Deny(r, new JsonObject
        {
            ["code"] = 422,
            ["reason"] = "Invalid",
            ["message"] = "spec.serviceName: appp1 is not in allowedNames",
            ["details"] = new JsonObject { ["causes"] = causes.DeepClone() },
        })));
        var (server, client) = await StartAsync(webhook, Configuration(webhook));
        await using var _ = server;
        using var __ = client;

        var (code, status) = await CreateRefusedAsync(client);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("admission webhook \"pkis.box.com\" denied the request: spec.serviceName: appp1 is not in allowedNames", status.Message);
        Assert.Equal("Invalid", status.Reason);
        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal(("spec.serviceName", "InvalidServiceName", "appp1 is not in allowedNames"), (cause.Field, cause.Reason, cause.Message));
        Assert.False(await ExistsAsync(client, "team-a", "app1-pki"));
    }

    [Fact]
    public async Task Create_WebhookDeniesWithoutCodeOrMessage_Is400WithoutExplanation()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Deny(r, new JsonObject())));
        var (server, client) = await StartAsync(webhook, Configuration(webhook));
        await using var _ = server;
        using var __ = client;

        var (code, status) = await CreateRefusedAsync(client);

        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("admission webhook \"pkis.box.com\" denied the request without explanation", status.Message);
    }

    [Theory]
    [InlineData("Ignore", true)]
    [InlineData("Fail", false)]
    public async Task Create_WebhookUnreachable_FailurePolicyDecides(string failurePolicy, bool stored)
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Deny(r, new JsonObject())));
        var (server, client) = await StartAsync(webhook, Configuration(webhook, failurePolicy));
        await using var _ = server;
        using var __ = client;
        await webhook.DisposeAsync();   // nothing listens there any more

        var create = client.CustomObjects.CreateNamespacedCustomObjectAsync(Pki("app1-pki", "app1"), "box.com", "v1", "team-a", "pkis");

        if (stored)
        {
            await create;
        }
        else
        {
            var (code, status) = await CreateRefusedAsync(client, create);
            Assert.Equal(HttpStatusCode.InternalServerError, code);
            Assert.Equal("InternalError", status.Reason);
            Assert.StartsWith("Internal error occurred: failed calling webhook \"pkis.box.com\": failed to call webhook: Post \"https://webhook.controlplane.svc:443/validate?timeout=10s\": ", status.Message, StringComparison.Ordinal);
        }

        Assert.Equal(stored, await ExistsAsync(client, "team-a", "app1-pki"));
    }

    [Theory]
    [InlineData("Ignore", true)]
    [InlineData("Fail", false)]
    public async Task Create_WebhookAnswersAfterItsTimeout_FailurePolicyDecides(string failurePolicy, bool stored)
    {
        var never = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var webhook = await TestWebhook.StartAsync(ServerName, _ => never.Task);
        var (server, client) = await StartAsync(webhook, Configuration(webhook, failurePolicy, timeoutSeconds: 2), new InProcessApiServerOptions { TimeProvider = time });
        await using var _ = server;
        using var __ = client;

        var create = client.CustomObjects.CreateNamespacedCustomObjectAsync(Pki("app1-pki", "app1"), "box.com", "v1", "team-a", "pkis");
        await WaitUntilAsync(() => !webhook.Received.IsEmpty, "the webhook is called");
        time.Advance(TimeSpan.FromSeconds(2));

        if (stored)
        {
            await create;
        }
        else
        {
            var (code, status) = await CreateRefusedAsync(client, create);
            Assert.EndsWith("/validate?timeout=2s\": context deadline exceeded", status.Message, StringComparison.Ordinal);
        }

        Assert.Equal(stored, await ExistsAsync(client, "team-a", "app1-pki"));
        never.SetResult(new JsonObject());
    }

    [Fact]
    public async Task Create_CaBundleOfAnotherCa_CallFailsAndFailurePolicyApplies()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r)));
        var (server, client) = await StartAsync(webhook, Configuration(webhook, caBundle: TestWebhook.UnrelatedCaBundle()));
        await using var _ = server;
        using var __ = client;

        var (code, status) = await CreateRefusedAsync(client);

        Assert.Equal(HttpStatusCode.InternalServerError, code);
        Assert.Contains("x509: certificate signed by unknown authority", status.Message, StringComparison.Ordinal);
        Assert.Empty(webhook.Received);
    }

    [Fact]
    public async Task Create_CertificateForAnotherServiceName_CallFails()
    {
        await using var webhook = await TestWebhook.StartAsync("other.controlplane.svc", r => Task.FromResult(TestWebhook.Allow(r)));
        var (server, client) = await StartAsync(webhook, Configuration(webhook));
        await using var _ = server;
        using var __ = client;

        var (code, status) = await CreateRefusedAsync(client);

        Assert.Contains("tls: failed to verify certificate: x509: certificate is valid for other.controlplane.svc, not webhook.controlplane.svc", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_UrlWebhookOnAnIpAddress_CalledAtTheUrl_TheCertificateCheckedForTheIpAddress()
    {
        await using var webhook = await TestWebhook.StartAsync("127.0.0.1", r => Task.FromResult(TestWebhook.Allow(r, "from the url")));
        var url = $"https://127.0.0.1:{webhook.Endpoint.Port}/validate-box-com-v1-pki";
        await using var server = await StartWithPkiAsync();
        using var client = server.CreateClient();
        await client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Configuration(webhook, timeoutSeconds: 5, url: url));

        using var response = await client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(Pki("app1-pki", "appp1"), "box.com", "v1", "team-a", "pkis");

        Assert.True(response.Response.Headers.NonValidated.TryGetValues("Warning", out var warnings));
        Assert.Equal(["299 - \"from the url\""], warnings.ToArray());
        Assert.Equal("/validate-box-com-v1-pki?timeout=5s", Assert.Single(webhook.Received).PathAndQuery);
        Assert.Null((await client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("pki-validation")).Webhooks[0].ClientConfig.Service);
    }

    [Fact]
    public async Task Create_UrlWebhookOnADnsName_TheCertificateCheckedForThatName()
    {
        await using var webhook = await TestWebhook.StartAsync("localhost", r => Task.FromResult(TestWebhook.Allow(r, "by name")));
        await using var server = await StartWithPkiAsync();
        using var client = server.CreateClient();
        await client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Configuration(webhook, url: $"https://localhost:{webhook.Endpoint.Port}/validate"));

        using var response = await client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(Pki("app1-pki", "appp1"), "box.com", "v1", "team-a", "pkis");

        Assert.True(response.Response.Headers.NonValidated.TryGetValues("Warning", out var warnings));
        Assert.Equal(["299 - \"by name\""], warnings.ToArray());
    }

    [Theory]
    [InlineData("localhost", "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs")]
    [InlineData("127.0.0.2", "x509: certificate is valid for 127.0.0.2, not 127.0.0.1")]
    public async Task Create_UrlWebhookCertificateNotForTheUrlsIpAddress_CallFails(string certifiedFor, string expected)
    {
        await using var webhook = await TestWebhook.StartAsync(certifiedFor, r => Task.FromResult(TestWebhook.Allow(r)));
        var url = $"https://127.0.0.1:{webhook.Endpoint.Port}/validate";
        await using var server = await StartWithPkiAsync();
        using var client = server.CreateClient();
        await client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Configuration(webhook, timeoutSeconds: 5, url: url));

        var (code, status) = await CreateRefusedAsync(client);

        Assert.Equal(HttpStatusCode.InternalServerError, code);
        Assert.Equal($"Internal error occurred: failed calling webhook \"pkis.box.com\": failed to call webhook: Post \"{url}?timeout=5s\": tls: failed to verify certificate: {expected}", status.Message);
        Assert.Empty(webhook.Received);
    }

    [Fact]
    public async Task Create_ResponseWithAnotherUid_IsAnInvalidResponse()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r =>
        {
            var answer = TestWebhook.Allow(r);
            answer["response"]!["uid"] = "not-the-request";
            return Task.FromResult(answer);
        });
        var (server, client) = await StartAsync(webhook, Configuration(webhook));
        await using var _ = server;
        using var __ = client;

        var (code, status) = await CreateRefusedAsync(client);

        Assert.Contains("received invalid webhook response: expected response.uid=", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NamespaceSelectorExcludesTheNamespace_WebhookNotCalled()
    {
        var excludeTeamB = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "kubernetes.io/metadata.name", OperatorProperty = "NotIn", Values = ["team-b"] }] };
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Deny(r, new JsonObject { ["message"] = "no" })));
        var (server, client) = await StartAsync(webhook, Configuration(webhook, namespaceSelector: excludeTeamB));
        await using var _ = server;
        using var __ = client;

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Pki("app2-pki", "app2"), "box.com", "v1", "team-b", "pkis");
        var (code, _) = await CreateRefusedAsync(client);

        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("team-a", Assert.Single(webhook.Received).Review["request"]!["namespace"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_DryRun_WebhookToldSoAndNothingIsStored()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r, "checked")));
        var (server, client) = await StartAsync(webhook, Configuration(webhook));
        await using var _ = server;
        using var __ = client;

        using var response = await client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(Pki("app1-pki", "app1"), "box.com", "v1", "team-a", "pkis", dryRun: "All");

        Assert.Equal(HttpStatusCode.Created, response.Response.StatusCode);
        Assert.True(response.Response.Headers.NonValidated.TryGetValues("Warning", out var warnings));
        Assert.Equal("299 - \"checked\"", Assert.Single(warnings));
        Assert.True(webhook.LastRequest["dryRun"]!.GetValue<bool>());
        Assert.Equal("""["All"]""", webhook.LastRequest["options"]!["dryRun"]!.ToJsonString());
        Assert.False(await ExistsAsync(client, "team-a", "app1-pki"));
    }

    [Fact]
    public async Task Patch_WebhookGetsOldAndNewObject_AndStatusSubresourceIsNotMatchedByPkis()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r)));
        var (server, client) = await StartAsync(webhook, Configuration(webhook));
        await using var _ = server;
        using var __ = client;
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Pki("app1-pki", "appp1"), "box.com", "v1", "team-a", "pkis");

        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"spec":{"serviceName":"app1"}}""", V1Patch.PatchType.MergePatch), "box.com", "v1", "team-a", "pkis", "app1-pki");
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch("""{"status":{"x":"y"}}""", V1Patch.PatchType.MergePatch), "box.com", "v1", "team-a", "pkis", "app1-pki");

        Assert.Equal(2, webhook.Received.Count);
        var update = webhook.LastRequest;
        Assert.Equal("UPDATE", update["operation"]!.GetValue<string>());
        Assert.Equal("app1", update["object"]!["spec"]!["serviceName"]!.GetValue<string>());
        Assert.Equal("appp1", update["oldObject"]!["spec"]!["serviceName"]!.GetValue<string>());
        Assert.Equal("""{"kind":"UpdateOptions","apiVersion":"meta.k8s.io/v1"}""", update["options"]!.ToJsonString());
        var stored = await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>("box.com", "v1", "team-a", "pkis", "app1-pki");
        Assert.Equal("app1", stored["spec"]!["serviceName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_StatusSubresourceRule_WebhookCalledWithSubResource()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r)));
        var (server, client) = await StartAsync(webhook, Configuration(webhook, resources: ["pkis/status"]));
        await using var _ = server;
        using var __ = client;
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Pki("app1-pki", "app1"), "box.com", "v1", "team-a", "pkis");

        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch("""{"status":{"x":"y"}}""", V1Patch.PatchType.MergePatch), "box.com", "v1", "team-a", "pkis", "app1-pki");

        var request = Assert.Single(webhook.Received).Review["request"]!;
        Assert.Equal("status", request["subResource"]!.GetValue<string>());
        Assert.Equal("y", request["object"]!["status"]!["x"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_WarningWithNonAsciiAndLineBreak_SentOnOneHeaderLine()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r, "ServiceName: äpp1\nWarning: fake")));
        var (server, client) = await StartAsync(webhook, Configuration(webhook));
        await using var _ = server;
        using var __ = client;

        using var response = await client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(Pki("app1-pki", "app1"), "box.com", "v1", "team-a", "pkis");

        Assert.Equal(HttpStatusCode.Created, response.Response.StatusCode);
        Assert.True(response.Response.Headers.NonValidated.TryGetValues("Warning", out var warnings));
        Assert.EndsWith("pp1 Warning: fake\"", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_RbacWithResourceNames_ServiceAccountMayGetAndPatchOnlyThatOne()
    {
        const string Policy = """
            apiVersion: v1
            kind: ServiceAccount
            metadata: { name: controlplane, namespace: controlplane }
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: { name: webhook-ca-injector }
            rules:
              - { apiGroups: ["admissionregistration.k8s.io"], resources: ["validatingwebhookconfigurations"], verbs: ["get", "patch"], resourceNames: ["pki-validation"] }
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: { name: webhook-ca-injector }
            roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: webhook-ca-injector }
            subjects: [ { kind: ServiceAccount, name: controlplane, namespace: controlplane } ]
            """;
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r)));
        var unrelated = Configuration(webhook, failurePolicy: "Ignore", caBundle: TestWebhook.UnrelatedCaBundle());
        unrelated.Metadata.Name = "someone-elses";
        var (server, admin) = await StartAsync(webhook, unrelated, new InProcessApiServerOptions { EnforceRbac = true });
        await using var _ = server;
        using var __ = admin;
        server.EnsureNamespace("controlplane");
        await KubernetesManifests.ApplyAsync(admin, Policy);
        await admin.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Configuration(webhook, caBundle: TestWebhook.UnrelatedCaBundle()));
        using var controlPlane = server.CreateClient(new ServiceAccountIdentity("controlplane", "controlplane"));
        var caBundle = Convert.ToBase64String(webhook.CaBundle);

        var patched = await controlPlane.AdmissionregistrationV1.PatchValidatingWebhookConfigurationAsync(
            new V1Patch($$$"""{"webhooks":[{"name":"pkis.box.com","clientConfig":{"caBundle":"{{{caBundle}}}"}}]}""", V1Patch.PatchType.StrategicMergePatch), "pki-validation");
        var forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => controlPlane.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("someone-elses"));

        var hook = Assert.Single(patched.Webhooks);
        Assert.Equal(webhook.CaBundle, hook.ClientConfig.CaBundle);
        Assert.Equal("webhook", hook.ClientConfig.Service.Name);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Response.StatusCode);
        Assert.Equal("validatingwebhookconfigurations.admissionregistration.k8s.io \"someone-elses\" is forbidden: User \"system:serviceaccount:controlplane:controlplane\" cannot get resource \"validatingwebhookconfigurations\" in API group \"admissionregistration.k8s.io\" at the cluster scope", KubernetesJson.Deserialize<V1Status>(forbidden.Response.Content).Message);
        await admin.CustomObjects.CreateNamespacedCustomObjectAsync(Pki("app1-pki", "app1"), "box.com", "v1", "team-a", "pkis");   // the patched bundle verifies
    }

    [Fact]
    public async Task Create_ObjectSelector_OnlyLabelledObjectsAreSent()
    {
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r)));
        var configuration = Configuration(webhook);
        configuration.Webhooks[0].ObjectSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["validate"] = "yes" } };
        var (server, client) = await StartAsync(webhook, configuration);
        await using var _ = server;
        using var __ = client;
        var labelled = Pki("labelled", "app1");
        labelled["metadata"]!["labels"] = new JsonObject { ["validate"] = "yes" };

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Pki("plain", "app1"), "box.com", "v1", "team-a", "pkis");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(labelled, "box.com", "v1", "team-a", "pkis");

        Assert.Equal("labelled", Assert.Single(webhook.Received).Review["request"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_OtherVersionOfTheResource_EquivalentMatchSendsTheRuleVersionAndTheRequestVersion()
    {
        const string WidgetCrd = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.box.com"},
             "spec":{"group":"box.com","scope":"Namespaced","names":{"kind":"Widget","listKind":"WidgetList","plural":"widgets","singular":"widget"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
                          {"name":"v2","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
            """;
        await using var webhook = await TestWebhook.StartAsync(ServerName, r => Task.FromResult(TestWebhook.Allow(r)));
        var (server, client) = await StartAsync(webhook, Configuration(webhook, resources: ["widgets"]));
        await using var _ = server;
        using var __ = client;
        using var http = CreateHttp(server);
        Assert.Equal(201, (await SendJsonAsync(http, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WidgetCrd)).Status);

        var widget = new JsonObject { ["apiVersion"] = "box.com/v2", ["kind"] = "Widget", ["metadata"] = new JsonObject { ["name"] = "w" } };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(widget, "box.com", "v2", "team-a", "widgets");

        var request = webhook.LastRequest;
        Assert.Equal("""{"group":"box.com","version":"v1","kind":"Widget"}""", request["kind"]!.ToJsonString());
        Assert.Equal("""{"group":"box.com","version":"v2","kind":"Widget"}""", request["requestKind"]!.ToJsonString());
        Assert.Equal("""{"group":"box.com","version":"v2","resource":"widgets"}""", request["requestResource"]!.ToJsonString());
        Assert.Equal("box.com/v1", request["object"]!["apiVersion"]!.GetValue<string>());
    }
}
