using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// The fields of one kind that the API server refuses to change on update: the API's own rules for the built-in kinds,
/// and the fields a writer declares for any other kind (a custom resource's <c>self == oldSelf</c> rules, for example).
/// </summary>
/// <remarks>
/// A field counts as changed only when both the stored object and the update carry a value and the values differ: a
/// field the update leaves out is kept or defaulted by the server, not changed. Only fields whose stored form is what a
/// client writes are listed for the built-in kinds; fields the server fills with defaults (a Job's pod template, a
/// StatefulSet's volume claim templates) would always look changed here, so those are left to the server's 422.
/// </remarks>
internal sealed class ImmutableFields
{
    private static readonly Rule[] NoRules = [];

    private readonly Rule[] rules;

    private ImmutableFields(Rule[] rules) => this.rules = rules;

    /// <summary>A changed field's path if the update must be refused, otherwise <see langword="null"/>.</summary>
    private delegate string? Rule(JsonObject current, JsonObject update);

    /// <summary>The rules for the kind <paramref name="kind"/> of API group <paramref name="group"/>, with <paramref name="declared"/> added.</summary>
    /// <param name="group">The API group (empty for the core group).</param>
    /// <param name="kind">The kind.</param>
    /// <param name="declared">Dot-separated paths (for example <c>spec.storageClassName</c>) that never change after creation.</param>
    /// <exception cref="ArgumentException">A declared path is empty or has an empty segment.</exception>
    public static ImmutableFields For(string group, string kind, IEnumerable<string>? declared)
    {
        var all = new List<Rule>(BuiltIn(group, kind));
        foreach (var path in declared ?? [])
        {
            if (string.IsNullOrWhiteSpace(path) || path.Split('.').Any(string.IsNullOrWhiteSpace))
            {
                throw new ArgumentException($"The immutable field '{path}' is not a dot-separated path such as spec.storageClassName.", nameof(declared));
            }

            all.Add(Path(path));
        }

        return new ImmutableFields([.. all]);
    }

    /// <summary>The first field that <paramref name="update"/> would change on <paramref name="current"/> and the API server refuses to change.</summary>
    /// <param name="current">The stored object.</param>
    /// <param name="update">The body an update would send.</param>
    /// <returns>The field's path, or <see langword="null"/> when the server would accept the update.</returns>
    public string? FirstRefusedChange(object current, object update)
    {
        if (rules.Length == 0)
        {
            return null;
        }

        var have = ToJson(current);
        var want = ToJson(update);
        foreach (var rule in rules)
        {
            if (rule(have, want) is { } field)
            {
                return field;
            }
        }

        return null;
    }

    private static Rule[] BuiltIn(string group, string kind) => (group, kind) switch
    {
        // ValidateSecretUpdate: the type never changes; with immutable set, neither data nor immutable does.
        ("", "Secret") => [Path("type"), WhenImmutable("data", SecretData), WhenImmutable("immutable", null)],

        // ValidateConfigMapUpdate: with immutable set, neither data, binaryData nor immutable changes.
        ("", "ConfigMap") => [WhenImmutable("data", Data("data")), WhenImmutable("binaryData", Data("binaryData")), WhenImmutable("immutable", null)],

        // A Service's allocated cluster IPs stay (an update that leaves them out keeps them).
        ("", "Service") => [Path("spec.clusterIP"), Path("spec.clusterIPs")],

        // apps/v1 and batch/v1: the selector never changes; a StatefulSet's identity fields neither.
        ("apps", "Deployment" or "ReplicaSet" or "DaemonSet") or ("batch", "Job") => [Path("spec.selector")],
        ("apps", "StatefulSet") => [Path("spec.selector"), Path("spec.serviceName"), Path("spec.podManagementPolicy")],
        _ => NoRules,
    };

    /// <summary>The field at <paramref name="path"/> may not change once set.</summary>
    private static Rule Path(string path)
    {
        var segments = path.Split('.');
        return (current, update) =>
        {
            var have = At(current, segments);
            var want = At(update, segments);
            return IsSet(have) && IsSet(want) && !JsonNode.DeepEquals(have, want) ? path : null;
        };
    }

    /// <summary>
    /// Once the stored object has <c>immutable: true</c>, the field may not change (<paramref name="content"/> gives its
    /// effective value, absent as empty), and <c>immutable</c> itself may not be unset.
    /// </summary>
    private static Rule WhenImmutable(string field, Func<JsonObject, JsonNode?>? content) => (current, update) =>
    {
        if (current["immutable"] is not JsonValue locked || !locked.TryGetValue<bool>(out var isLocked) || !isLocked)
        {
            return null;
        }

        if (content is null)
        {
            return update["immutable"] is JsonValue v && v.TryGetValue<bool>(out var stays) && stays ? null : field;
        }

        return JsonNode.DeepEquals(content(current), content(update)) ? null : field;
    };

    private static Func<JsonObject, JsonNode?> Data(string field) => o => o[field] is JsonObject { Count: > 0 } data ? data : new JsonObject();

    /// <summary>A Secret's data as the server stores it: <c>stringData</c> folded into <c>data</c>, base64-encoded.</summary>
    private static JsonNode? SecretData(JsonObject secret)
    {
        var data = secret["data"] is JsonObject d ? (JsonObject)d.DeepClone() : [];
        if (secret["stringData"] is JsonObject strings)
        {
            foreach (var (key, value) in strings)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? string.Empty));
            }
        }

        return data;
    }

    private static JsonNode? At(JsonObject root, string[] segments)
    {
        JsonNode? node = root;
        foreach (var segment in segments)
        {
            node = node is JsonObject o ? o[segment] : null;
        }

        return node;
    }

    private static bool IsSet(JsonNode? node) => node switch
    {
        null => false,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        _ => true,
    };

    private static JsonObject ToJson(object value) => JsonNode.Parse(KubernetesJson.Serialize(value)) as JsonObject ?? [];
}
