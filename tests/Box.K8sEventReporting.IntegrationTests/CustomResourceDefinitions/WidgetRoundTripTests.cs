using System.Text.Json;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.CustomResourceDefinitions;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Tests.TestSupport;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.CustomResourceDefinitions;

/// <summary>
/// A Widget (nested objects, lists, maps, enums, data annotations, free-form fields, a status) through an API server
/// whose CRD is generated from the class: every field set comes back unchanged, nothing pruned; what the schema forbids is
/// refused. On the in-process server in CI, on a real one with <c>K8S_E2E_KUBECONFIG</c>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WidgetRoundTripTests(ClusterFixture cluster)
{
    private const string Group = "example.test";
    private const string Version = "v1alpha1";
    private const string Plural = "widgets";

    [Fact]
    public async Task Widget_WithEveryFieldSet_ReadsBackUnchanged_SpecAndStatus()
    {
        await cluster.EnsureCustomResourceDefinitionAsync(CustomResourceDefinitionBuilder.Build<Widget>());
        var ns = await cluster.CreateNamespaceAsync("widget");
        var widget = Full(ns, "full");
        var sent = JsonNode.Parse(KubernetesJson.Serialize(widget))!.AsObject();
        // What the class cannot carry but the schema keeps: fields inside [PreserveUnknownFields] and inside a part's children.
        sent["spec"]!["settings"]!["custom"] = new JsonObject { ["deep"] = new JsonArray(1, "two", true) };
        sent["spec"]!["parts"]![1]!["children"]![0]!["extra"] = "kept";
        var status = sent["status"]!.DeepClone();
        sent.Remove("status");

        var created = await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(sent, Group, Version, ns, Plural);
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(new JsonObject { ["status"] = status.DeepClone() }.ToJsonString(), V1Patch.PatchType.MergePatch), Group, Version, ns, Plural, "full");
        var read = JsonNode.Parse((await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(Group, Version, ns, Plural, "full")).GetRawText())!;

        Assert.True(JsonNode.DeepEquals(sent["spec"], JsonNode.Parse(created.GetProperty("spec").GetRawText())), $"created: {created.GetProperty("spec").GetRawText()}\nsent:    {sent["spec"]!.ToJsonString()}");
        Assert.True(JsonNode.DeepEquals(sent["spec"], read["spec"]), $"read: {read["spec"]!.ToJsonString()}\nsent: {sent["spec"]!.ToJsonString()}");
        Assert.True(JsonNode.DeepEquals(status, read["status"]), $"read: {read["status"]!.ToJsonString()}\nsent: {status.ToJsonString()}");
        var typed = KubernetesJson.Deserialize<Widget>(read.ToJsonString());
        // And it decodes into the class as it was (a real server sorts map keys: compared as JSON, not as text).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(KubernetesJson.Serialize(widget.Spec)), JsonNode.Parse(KubernetesJson.Serialize(typed.Spec))));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(KubernetesJson.Serialize(widget.Status!)), JsonNode.Parse(KubernetesJson.Serialize(typed.Status!))));
    }

    [Fact]
    public async Task Widget_WithoutTier_GetsTheDefault_AndWhatTheSchemaForbidsIsRefused()
    {
        await cluster.EnsureCustomResourceDefinitionAsync(CustomResourceDefinitionBuilder.Build<Widget>());
        var ns = await cluster.CreateNamespaceAsync("widget-bad");

        var defaulted = await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(Minimal(ns, "defaulted"), Group, Version, ns, Plural);
        Assert.Equal("standard", defaulted.GetProperty("spec").GetProperty("tier").GetString());

        var refusals = new Dictionary<string, (Action<JsonObject> Shape, string Field)>
        {
            ["no-name"] = (s => s.Remove("name"), "spec.name"),
            ["size-zero"] = (s => s["size"] = 0, "spec.size"),
            ["ratio-one"] = (s => s["ratio"] = 1, "spec.ratio"),
            ["purple"] = (s => s["color"] = "Purple", "spec.color"),
            ["uppercase-code"] = (s => s["code"] = "ABC", "spec.code"),
            ["six-tags"] = (s => s["tags"] = new JsonArray("a", "b", "c", "d", "e", "f"), "spec.tags"),
            ["no-tags"] = (s => s["tags"] = new JsonArray(), "spec.tags"),
            ["channel"] = (s => s["channel"] = "nightly", "spec.channel"),
            ["part-count"] = (s => s["primary"] = new JsonObject { ["name"] = "p", ["count"] = 11 }, "spec.primary.count"),
            ["long-name"] = (s => s["name"] = new string('n', 41), "spec.name"),
        };
        var wrong = new List<string>();
        foreach (var (name, (shape, field)) in refusals)
        {
            var body = Minimal(ns, name);
            shape(body["spec"]!.AsObject());
            var causes = await RefusedAsync(ns, body);
            if (causes is null || !causes.Contains(field))
            {
                wrong.Add($"{name}: {(causes is null ? "accepted" : "refused for " + string.Join(", ", causes))}, expected a cause on {field}");
            }
        }

        // The CEL rule: a real API server evaluates it; the in-process one does not evaluate CEL.
        if (cluster.IsRealCluster)
        {
            var body = Minimal(ns, "cel");
            body["spec"]!["minReplicas"] = 6;
            body["spec"]!["maxReplicas"] = 5;
            if (await RefusedAsync(ns, body) is not { } causes || !causes.Contains("spec.minReplicas"))
            {
                wrong.Add("cel: minReplicas above maxReplicas was not refused for spec.minReplicas");
            }
        }

        Assert.Empty(wrong);
    }

    private async Task<List<string>?> RefusedAsync(string ns, JsonObject body)
    {
        try
        {
            await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, Group, Version, ns, Plural);
            return null;
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode == 422)
        {
            var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
            return status.Details?.Causes?.Select(c => c.Field).ToList() ?? [];
        }
    }

    private static JsonObject Minimal(string ns, string name) => new()
    {
        ["apiVersion"] = $"{Group}/{Version}",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject { ["name"] = "w", ["size"] = 1, ["tags"] = new JsonArray("a") },
    };

    private static Widget Full(string ns, string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new WidgetSpec
        {
            Name = "Full widget",
            Size = 42,
            Ratio = 0.25,
            MinReplicas = 2,
            MaxReplicas = 5,
            Color = WidgetColor.Green,
            Code = "abc",
            Enabled = true,
            Budget = 5_000_000_000,
            Deadline = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Tags = ["one", "two"],
            Labels = new Dictionary<string, string> { ["team"] = "a", ["tier"] = "gold" },
            PartsByName = new Dictionary<string, WidgetPart> { ["x"] = new() { Name = "x", Count = 4 } },
            Parts = [new() { Name = "a", Count = 1 }, new() { Name = "b", Count = 2, Children = [new() { Name = "c", Count = 3 }] }],
            Primary = new WidgetPart { Name = "p", Count = 0 },
            Port = 8080,
            Memory = new ResourceQuantity("512Mi"),
            Extra = new JsonObject { ["anything"] = new JsonObject { ["nested"] = new JsonArray(1, "two", true) }, ["n"] = 1.5 },
            Settings = new WidgetSettings { Mode = "fast" },
            Channel = "beta",
            Payload = [1, 2, 3],
            Tier = "gold",
            Id = Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        },
        Status = new WidgetStatus
        {
            Phase = "Running",
            ObservedGeneration = 1,
            Conditions = [new V1Condition { Type = "Ready", Status = "True", Reason = "AllGood", Message = "ready", LastTransitionTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), ObservedGeneration = 1 }],
            Counts = new Dictionary<string, long> { ["parts"] = 3, ["big"] = 9_000_000_000 },
        },
    };
}
