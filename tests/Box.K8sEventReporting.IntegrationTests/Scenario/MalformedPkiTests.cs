using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.CustomResourceDefinitions;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Reporting;
using ControlPlane;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Box.K8sEventReporting.IntegrationTests.Scenario;

/// <summary>
/// Hostile and malformed Pkis, applied through the real client to the cluster fixture while the sample's control plane
/// runs: what the API server accepts gets exactly one clear Warning Event and <c>Ready=False</c>; what it refuses is
/// refused (the in-process server refuses what a real one does; the Pki schema generated from the class refuses a
/// serviceName that is missing or not a DNS label, so hostile text in it never reaches the control plane); and a valid
/// Pki created afterwards is still provisioned.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MalformedPkiTests(ClusterFixture cluster) : IDisposable
{
    private const string Missing = "MissingServiceName";
    private const string Invalid = "InvalidServiceName";
    private const int Unprocessable = 422;
    private const int EventMessageLimit = 1024;
    private const int ConditionMessageLimit = 32 * 1024;
    private const string CutMarker = " [...] ";

    private readonly string _allowedNames = SampleControlPlane.WriteAllowedNames("app1\napp2\n");

    public void Dispose() => File.Delete(_allowedNames);

    [Fact]
    public async Task ControlPlane_MalformedAndHostilePkis_EachAcceptedOneGetsOneClearEventAndCondition_RefusedOnesAreRefused()
    {
        var cases = Cases();
        Assert.True(cases.Count >= 30, $"{cases.Count} cases");
        // On a real cluster the Pki CRD may predate the one generated from the class (the fixture installs it only if missing).
        var installed = await cluster.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("pkis.box.com");
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(KubernetesJson.Serialize(installed.Spec.Versions.Single().Schema)), JsonNode.Parse(KubernetesJson.Serialize(CustomResourceDefinitionBuilder.Build<Pki>().Spec.Versions.Single().Schema))),
            "The cluster's pkis.box.com CRD is not the one the Pki class generates: kubectl apply -f samples/ControlPlane/crds");
        var ns = await cluster.CreateNamespaceAsync("malformed");
        var ledger = new ReportLedger();
        using var host = SampleControlPlane.Build(
            cluster.ControlPlaneClient,
            _allowedNames,
            null,
            services => services.AddSingleton(sp => ledger.Decorate(sp.GetRequiredService<KubernetesEventRecorder>())),
            ns);
        await host.StartAsync();

        var refusedWrongly = new List<string>();
        foreach (var c in cases)
        {
            var status = await TryCreateAsync(ns, c);
            if (status != c.RefusedWith)
            {
                refusedWrongly.Add($"{c.Name} ({c.Why}): expected {(c.RefusedWith is { } code ? code.ToString(CultureInfo.InvariantCulture) : "accepted")}, got {(status is { } s ? s.ToString(CultureInfo.InvariantCulture) : "accepted")}");
            }
        }

        Assert.Empty(refusedWrongly);
        var accepted = cases.Where(c => c.RefusedWith is null).ToList();
        await Wait.UntilAsync(
            async () => (await UnreportedAsync(ns, accepted)).Count == 0,
            "every accepted Pki reported with an Event and Ready=False",
            TimeSpan.FromSeconds(60),
            () => string.Join(", ", UnreportedAsync(ns, accepted).GetAwaiter().GetResult()));
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Pki { Metadata = new V1ObjectMeta { Name = "valid-after", NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "app1" } }, "box.com", "v1", ns, "pkis");
        await Wait.UntilAsync(
            async () => (await cluster.Client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "metadata.name=valid-after")).Items.Count == 1,
            "the Secret of a valid Pki created after the malformed ones");
        var health = host.Services.GetRequiredService<IControllerHealth>().Check();
        await SampleControlPlane.StopAsync(host);
        await host.Services.GetRequiredService<KubernetesEventRecorder>().FlushAsync();

        Assert.True(health.IsReady, health.Description);
        var events = (await cluster.Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Where(e => (e.Source?.Component ?? e.ReportingComponent) == ledger.Component).ToList();
        var pkis = await ListPkisAsync(ns);
        var problems = new List<string>();
        foreach (var c in accepted)
        {
            var pki = pkis[c.Name];
            var about = events.Where(e => e.InvolvedObject.Uid == pki.Metadata.Uid).ToList();
            if (about.Count != 1)
            {
                problems.Add($"{c.Name}: {about.Count} Events");
                continue;
            }

            var e = about[0];
            var ready = pki.Status?.Conditions?.SingleOrDefault(x => x.Type == "Ready");
            CheckText(problems, c, "Event", e.Type == "Warning" && e.Reason == c.Reason, e.Message, EventMessageLimit);
            CheckText(problems, c, "condition", ready is { Status: "False", ObservedGeneration: 1 } && ready.Reason == c.Reason, ready?.Message, ConditionMessageLimit);
            // A condition message may hold 32 KiB: only the Event's is cut.
            if (c.MessageContains is { } expected
                && !(e.Message.Contains(expected, StringComparison.Ordinal) && (expected == CutMarker || ready!.Message.Contains(expected, StringComparison.Ordinal))))
            {
                problems.Add($"{c.Name}: message '{e.Message}' does not contain '{expected}'");
            }
        }

        Assert.Empty(problems);
        Assert.Empty(ledger.Differences(events, ns));
    }

    private static void CheckText(List<string> problems, MalformedPki c, string what, bool shapeOk, string? message, int maxBytes)
    {
        if (!shapeOk || message is null)
        {
            problems.Add($"{c.Name} ({c.Why}): {what} has the wrong type, reason, status or generation, or no message");
            return;
        }

        if (Encoding.UTF8.GetByteCount(message) > maxBytes)
        {
            problems.Add($"{c.Name}: {what} message is {Encoding.UTF8.GetByteCount(message)} bytes");
        }

        var hidden = message.EnumerateRunes().Where(r => Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse).ToList();
        if (hidden.Count > 0)
        {
            problems.Add($"{c.Name} ({c.Why}): {what} message holds unescaped U+{hidden[0].Value:X4}");
        }
    }

    private async Task<int?> TryCreateAsync(string ns, MalformedPki c)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = "box.com/v1",
            ["kind"] = "Pki",
            ["metadata"] = new JsonObject { ["name"] = c.Name, ["namespace"] = ns },
        };
        c.Shape(body);
        try
        {
            await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "box.com", "v1", ns, "pkis");
            return null;
        }
        catch (HttpOperationException ex)
        {
            return (int)ex.Response.StatusCode;
        }
    }

    private async Task<List<string>> UnreportedAsync(string ns, IReadOnlyList<MalformedPki> accepted)
    {
        var pkis = await ListPkisAsync(ns);
        var reported = (await cluster.Client.CoreV1.ListNamespacedEventAsync(ns)).Items
            .Where(e => e.InvolvedObject.Kind == "Pki")
            .Select(e => e.InvolvedObject.Uid)
            .ToHashSet();
        return accepted
            .Where(c => !pkis.TryGetValue(c.Name, out var p)
                || !reported.Contains(p.Metadata.Uid)
                || p.Status?.Conditions?.Any(x => x.Type == "Ready" && x.Status == "False") != true)
            .Select(c => c.Name.Length > 40 ? c.Name[..40] + "…" : c.Name)
            .ToList();
    }

    private async Task<Dictionary<string, Pki>> ListPkisAsync(string ns)
    {
        var list = await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<PkiList>("box.com", "v1", ns, "pkis");
        return list.Items.ToDictionary(p => p.Metadata.Name);
    }

    private static IReadOnlyList<MalformedPki> Cases()
    {
        static Action<JsonObject> Spec(JsonNode? spec) => b => b["spec"] = spec;
        static Action<JsonObject> ServiceName(JsonNode? value) => b => b["spec"] = new JsonObject { ["serviceName"] = value };
        static Action<JsonObject> Meta(string field, JsonObject value, string serviceName = "appp1") => b =>
        {
            b["metadata"]![field] = value;
            b["spec"] = new JsonObject { ["serviceName"] = serviceName };
        };

        var bigKey = "example.com/big";
        var labels = new JsonObject();
        for (var i = 0; i < 100; i++)
        {
            labels[$"example.com/label-{i:D3}"] = new string('v', 63);
        }

        return
        [
            // Accepted by the API server: reported.
            new("m01-no-spec", "no spec", _ => { }, Reason: Missing),
            new("m03-null-spec", "spec: null (nullable in the schema)", Spec(null), Reason: Missing),
            new("m06-unknown-top-field", "unknown top-level field (pruned)", b => b["colour"] = "blue", Reason: Missing),
            new("m07-typo", "the seed's typo", ServiceName("appp1"), Reason: Invalid, MessageContains: "ServiceName: appp1 in pki: m07-typo"),
            new("m11-unknown-spec-field", "unknown spec field (pruned)", Spec(new JsonObject { ["serviceName"] = "appp1", ["colour"] = "blue" }), Reason: Invalid),
            new("m27-" + new string('n', 249), "name of 253 characters", ServiceName("appp1"), Reason: Invalid),
            new("m28-many-labels", "100 labels of 63 characters", Meta("labels", labels), Reason: Invalid),
            new("m29-annotations-at-limit", "annotations of exactly 256 KiB", Meta("annotations", new JsonObject { [bigKey] = new string('x', (256 * 1024) - bigKey.Length) }), Reason: Invalid),
            new("m30-forged-status", "status on create is dropped", b =>
            {
                b["spec"] = new JsonObject { ["serviceName"] = "appp1" };
                b["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "Forged", ["lastTransitionTime"] = "2026-01-01T00:00:00Z" }) };
            }, Reason: Invalid),

            // Refused by the Pki schema (spec.serviceName required, a DNS label of at most 63 characters): what the
            // control plane once had to report and escape now never reaches it.
            new("s02-empty-spec", "empty spec", Spec(new JsonObject()), RefusedWith: Unprocessable),
            new("s04-null-servicename", "serviceName: null (pruned, then required)", ServiceName(null), RefusedWith: Unprocessable),
            new("s05-empty-servicename", "empty serviceName", ServiceName(""), RefusedWith: Unprocessable),
            new("s08-uppercase", "uppercase", ServiceName("APP1"), RefusedWith: Unprocessable),
            new("s09-space", "a space", ServiceName(" "), RefusedWith: Unprocessable),
            new("s10-leading-space", "leading space", ServiceName(" app1"), RefusedWith: Unprocessable),
            new("s12-long-servicename", "serviceName of 64 characters", ServiceName(new string('a', 64)), RefusedWith: Unprocessable),
            new("s13-two-byte-servicename", "two-byte characters", ServiceName(string.Concat(Enumerable.Repeat("é", 20))), RefusedWith: Unprocessable),
            new("s14-emoji-servicename", "emoji", ServiceName(string.Concat(Enumerable.Repeat("😀", 20))), RefusedWith: Unprocessable),
            new("s15-cjk", "CJK", ServiceName("サービス"), RefusedWith: Unprocessable),
            new("s16-homoglyph", "Cyrillic а is not Latin a", ServiceName("аpp1"), RefusedWith: Unprocessable),
            new("s17-newline-forgery", "newline forging a line", ServiceName("app1\nWarning Fake: the control plane is compromised"), RefusedWith: Unprocessable),
            new("s18-crlf-forgery", "CR LF", ServiceName("app1\r\nWarning Fake: x"), RefusedWith: Unprocessable),
            new("s19-nul", "NUL", ServiceName("app1\0"), RefusedWith: Unprocessable),
            new("s20-tab", "tab", ServiceName("app1\tapp2"), RefusedWith: Unprocessable),
            new("s21-ansi", "ANSI colour escape", ServiceName("\u001b[31mapp1\u001b[0m"), RefusedWith: Unprocessable),
            new("s22-line-separator", "U+2028", ServiceName("app1\u2028Warning Fake"), RefusedWith: Unprocessable),
            new("s23-rtl-override", "U+202E right-to-left override", ServiceName("\u202eapp1"), RefusedWith: Unprocessable),
            new("s24-zero-width", "U+200B inside an allowed name", ServiceName("app\u200b1"), RefusedWith: Unprocessable),
            new("s25-bom", "U+FEFF", ServiceName("\ufeffapp1"), RefusedWith: Unprocessable),
            new("s26-del", "DEL", ServiceName("app1\u007f"), RefusedWith: Unprocessable),
            new("s31-quotes-and-json", "quotes and braces", ServiceName("\"}; rm -rf / #"), RefusedWith: Unprocessable),
            new("s32-backslash-n-literal", "a literal backslash-n", ServiceName("app1\\nx"), RefusedWith: Unprocessable),
            new("s33-trailing-hyphen", "ends with a hyphen", ServiceName("app1-"), RefusedWith: Unprocessable),

            // Refused by the API server (schema or metadata validation): never reach the control plane.
            new("r01-servicename-too-long", "254 characters", ServiceName(new string('a', 254)), RefusedWith: Unprocessable),
            new("r02-servicename-emoji-too-long", "254 emoji (code points count)", ServiceName(string.Concat(Enumerable.Repeat("😀", 254))), RefusedWith: Unprocessable),
            new("r03-servicename-integer", "integer", ServiceName(123), RefusedWith: Unprocessable),
            new("r04-servicename-boolean", "boolean", ServiceName(true), RefusedWith: Unprocessable),
            new("r05-servicename-object", "object", ServiceName(new JsonObject()), RefusedWith: Unprocessable),
            new("r06-servicename-array", "array", ServiceName(new JsonArray("app1")), RefusedWith: Unprocessable),
            new("r07-spec-string", "spec is a string", Spec("app1"), RefusedWith: Unprocessable),
            new("r08-spec-array", "spec is an array", Spec(new JsonArray()), RefusedWith: Unprocessable),
            new("r09-" + new string('n', 250), "name of 254 characters", ServiceName("app1"), RefusedWith: Unprocessable),
            new("R10_Bad_Name", "name not a DNS subdomain", ServiceName("app1"), RefusedWith: Unprocessable),
            new("r11-label-value-invalid", "label value with a space", Meta("labels", new JsonObject { ["team"] = "bad value!" }), RefusedWith: Unprocessable),
            new("r12-label-value-too-long", "label value of 64 characters", Meta("labels", new JsonObject { ["team"] = new string('v', 64) }), RefusedWith: Unprocessable),
            new("r13-label-key-newline", "label key with a newline", Meta("labels", new JsonObject { ["team\nWarning"] = "a" }), RefusedWith: Unprocessable),
            new("r14-annotations-over-limit", "annotations over 256 KiB", Meta("annotations", new JsonObject { [bigKey] = new string('x', (256 * 1024) - bigKey.Length + 1) }), RefusedWith: Unprocessable),
        ];
    }

    /// <summary>One row of the table: a Pki name, what is wrong with it, how its body is shaped, and the expected outcome.</summary>
    private sealed record MalformedPki(string Name, string Why, Action<JsonObject> Shape, int? RefusedWith = null, string? Reason = null, string? MessageContains = null);
}
