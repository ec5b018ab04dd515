using System.Text.Json;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.IntegrationTests.ApiServer;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing.ApiServer;
using ControlPlane;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Box.K8sEventReporting.IntegrationTests.Scenario;

/// <summary>
/// A Pki that the API server stores but that does not deserialize into the sample's Pki class (possible only without a
/// schema, or after a schema change): the control plane reports it once, as an Event and in <c>Ready=False</c>, and goes on.
/// </summary>
public sealed class UndecodablePkiTests : IDisposable
{
    private readonly string _allowedNames = SampleControlPlane.WriteAllowedNames("app1\napp2\n");

    public void Dispose() => File.Delete(_allowedNames);

    [Theory]
    [Trait("Cluster", "InProcessOnly")] // A real server's CRD schema refuses what would not decode.
    [InlineData("number")]
    [InlineData("object")]
    public async Task ControlPlane_UndecodablePki_GetsOneDecodeFailedEventAndReadyFalse_AndValidPkiIsStillProvisioned(string shape)
    {
        await using var server = await ApiServerTestHelpers.StartWithPkiAsync(new InProcessApiServerOptions { ValidateCustomResourceSchemas = false });
        using var client = server.CreateClient();
        const string ns = "team-a";
        var ledger = new ReportLedger();
        using var host = SampleControlPlane.Build(
            client,
            _allowedNames,
            null,
            services => services.AddSingleton(sp => ledger.Decorate(sp.GetRequiredService<KubernetesEventRecorder>())),
            ns);
        await host.StartAsync();

        var body = new JsonObject
        {
            ["apiVersion"] = "box.com/v1",
            ["kind"] = "Pki",
            ["metadata"] = new JsonObject { ["name"] = "undecodable", ["namespace"] = ns },
            ["spec"] = new JsonObject { ["serviceName"] = shape == "number" ? 123 : new JsonObject { ["name"] = "app1" } },
        };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "box.com", "v1", ns, "pkis");
        await Wait.UntilAsync(
            async () => ReadyOf(await ReadRawAsync(client, ns, "undecodable")) is not null,
            "the undecodable Pki's Ready condition");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Pki { Metadata = new V1ObjectMeta { Name = "valid-after", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "app1" } }, "box.com", "v1", ns, "pkis");
        await Wait.UntilAsync(
            async () => (await client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "metadata.name=valid-after")).Items.Count == 1,
            "the Secret of a valid Pki created after the undecodable one");
        await SampleControlPlane.StopAsync(host);
        await host.Services.GetRequiredService<KubernetesEventRecorder>().FlushAsync();

        var raw = await ReadRawAsync(client, ns, "undecodable");
        var uid = raw.GetProperty("metadata").GetProperty("uid").GetString();
        var events = (await client.CoreV1.ListNamespacedEventAsync(ns)).Items
            .Where(e => (e.Source?.Component ?? e.ReportingComponent) == ledger.Component && e.InvolvedObject.Uid == uid)
            .ToList();
        var decodeFailed = Assert.Single(events);
        Assert.Equal(("Warning", "DecodeFailed", "Pki"), (decodeFailed.Type, decodeFailed.Reason, decodeFailed.InvolvedObject.Kind));
        Assert.Contains("spec.serviceName", decodeFailed.Message, StringComparison.Ordinal);
        var ready = ReadyOf(raw);
        Assert.NotNull(ready);
        var conditions = raw.GetProperty("status").GetProperty("conditions").EnumerateArray().Where(c => c.GetProperty("type").GetString() == "Ready").ToList();
        Assert.Single(conditions);
        Assert.Equal("False", ready.Value.GetProperty("status").GetString());
        Assert.Equal("DecodeFailed", ready.Value.GetProperty("reason").GetString());
        Assert.Equal(decodeFailed.Message, ready.Value.GetProperty("message").GetString());
        Assert.Equal(raw.GetProperty("metadata").GetProperty("generation").GetInt64(), ready.Value.GetProperty("observedGeneration").GetInt64());
    }

    private static async Task<JsonElement> ReadRawAsync(IKubernetes client, string ns, string name) =>
        await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("box.com", "v1", ns, "pkis", name);

    private static JsonElement? ReadyOf(JsonElement pki) =>
        pki.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions) && conditions.ValueKind == JsonValueKind.Array
            ? conditions.EnumerateArray().Where(c => c.TryGetProperty("type", out var t) && t.GetString() == "Ready").Cast<JsonElement?>().FirstOrDefault()
            : null;
}
