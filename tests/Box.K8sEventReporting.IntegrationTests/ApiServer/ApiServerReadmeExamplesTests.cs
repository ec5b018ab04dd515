using System.Text.Json.Nodes;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Testing.ApiServer;
using ControlPlane;
using k8s;
using k8s.Models;
using static Box.K8sEventReporting.IntegrationTests.ApiServer.ApiServerTestHelpers;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// The in-process API server's README fragments (the regions below, as its README shows them), run: each is the code a
/// test writer copies, so each must compile and do what the README says.
/// </summary>
[Trait("Cluster", "InProcessOnly")] // They are about the in-process server itself (its request log, faults, RBAC switch).
public sealed class ApiServerReadmeExamplesTests
{
    [Fact]
    public async Task Basics_CustomResourceNamespaceAndRequestCount()
    {
        var pod = new V1Pod { Metadata = new() { Name = "web" }, Spec = new() { Containers = [new() { Name = "web", Image = "nginx" }] } };

        #region readme-basics
        await using var server = await InProcessApiServer.StartAsync();
        server.RegisterCustomResource<Pki>();                                // its CRD generated from the class, schema and all
        server.EnsureNamespace("team-a");
        using IKubernetes client = server.CreateClient();                    // or new Kubernetes(server.CreateClientConfiguration())
        await client.CoreV1.CreateNamespacedPodAsync(pod, "team-a");
        Assert.Equal(1, server.CountRequests("create", "/pods"));
        #endregion

        // Without a schema: the plural, as the README's text says, or a CustomResourceDefinition posted to the server.
        server.RegisterCustomResource("example.com", "v1", "widgets", "Widget");
        await client.CustomObjects.ListNamespacedCustomObjectAsync("box.com", "v1", "team-a", "pkis");
        await client.CustomObjects.ListNamespacedCustomObjectAsync("example.com", "v1", "team-a", "widgets");
    }

    [Fact]
    public async Task AdmissionWebhooks_WarningOfAnAllowedReview_IsAWarningHeader()
    {
        await using var webhook = await TestWebhook.StartAsync("webhook.controlplane.svc", r => Task.FromResult(TestWebhook.Allow(r, "ServiceName: appp1 is not in allowedNames")));
        await using var server = await StartWithPkiAsync();
        using var client = server.CreateClient();
        var config = new V1ValidatingWebhookConfiguration
        {
            Metadata = new() { Name = "pki-validation" },
            Webhooks =
            [
                new()
                {
                    Name = "pkis.box.com",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "None",
                    ClientConfig = new() { CaBundle = webhook.CaBundle, Service = new() { NamespaceProperty = "controlplane", Name = "webhook", Path = "/validate" } },
                    Rules = [new() { ApiGroups = ["box.com"], ApiVersions = ["v1"], Resources = ["pkis"], Operations = ["CREATE"] }],
                },
            ],
        };
        var pki = new JsonObject { ["apiVersion"] = "box.com/v1", ["kind"] = "Pki", ["metadata"] = new JsonObject { ["name"] = "app1-pki" }, ["spec"] = new JsonObject { ["serviceName"] = "appp1" } };

        #region readme-admission
        server.MapService("controlplane", "webhook", 443, webhook.Endpoint);                      // the Service network, in-process
        await client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(config);  // caBundle, service, rules, ...
        var r = await client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(pki, "box.com", "v1", "team-a", "pkis");
        r.Response.Headers.NonValidated.TryGetValues("Warning", out var warnings);              // 299 - "ServiceName: ..."
        #endregion

        Assert.Equal("299 - \"ServiceName: appp1 is not in allowedNames\"", Assert.Single(warnings!));
    }

    [Fact]
    public async Task Rbac_ServiceAccountClient_IsAuthorizedByTheAppliedRoles()
    {
        var rbacKinds = new HashSet<string>(StringComparer.Ordinal) { "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding" };
        var rbacYaml = string.Join("\n---\n", KubernetesYaml.LoadAllFromString(ControlPlaneRbac.ConfigYaml)
            .OfType<IKubernetesObject<V1ObjectMeta>>().Where(o => rbacKinds.Contains(o.Kind)).Select(o => KubernetesYaml.Serialize(o)));

        #region readme-rbac
        await using var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { EnforceRbac = true });
        using var admin = server.CreateClient();                                   // no credentials: system:masters, allowed everything
        await KubernetesManifests.ApplyAsync(admin, rbacYaml);                     // your config.yml's ServiceAccount, (Cluster)Roles, bindings
        var sa = new ServiceAccountIdentity("controlplane", "controlplane");
        using var controlPlane = server.CreateClient(sa);                          // a bearer token the server maps to the service account
        await controlPlane.CoreV1.ListPodForAllNamespacesAsync();                  // the code under test, with controlPlane
        Assert.DoesNotContain(server.AuthorizationDecisions, d => !d.Allowed && d.User == sa.UserName);
        #endregion

        Assert.Contains(server.AuthorizationDecisions, d => d.Allowed && d.User == sa.UserName && d.Resource == "pods" && d.Verb == "list");
    }

    [Fact]
    public async Task Faults_AreSetAndReset()
    {
        await using var server = await StartWithPkiAsync();
        using var client = server.CreateClient();

        #region readme-faults
        server.Faults.FailNext(2, "/pkis", 503, retryAfter: TimeSpan.FromSeconds(1), verb: "list"); // next 2 lists of pkis
        server.Faults.Delay(TimeSpan.FromMilliseconds(500), "/events");   // every matching request, until Reset
        server.Faults.CloseAllWatches();                                  // streams end cleanly
        server.Faults.CompactHistory();                                   // older resourceVersions now answer 410
        server.Faults.SendErrorToWatches(new V1Status { Code = 500, Message = "boom" }); // ERROR event, then the stream ends
        server.Faults.InjectRawIntoWatches("{\"type\":\"ADD");            // garbage or half a line, written as-is
        server.Faults.FreezeWatches();                                    // half-open: connected, nothing delivered
        server.Faults.UnfreezeWatches();
        server.Faults.Reset();                                            // clears failures and delays, unfreezes
        #endregion

        // Reset cleared the two failures: the next list of pkis is answered.
        await client.CustomObjects.ListNamespacedCustomObjectAsync("box.com", "v1", "team-a", "pkis");
    }
}
