using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// What the real API server checks in Secrets and ConfigMaps (core validation's <c>ValidateSecret</c>,
/// <c>ValidateSecretUpdate</c>, <c>ValidateConfigMap</c>, <c>ValidateConfigMapUpdate</c>; transcripts 30*): data keys,
/// the keys a <c>kubernetes.io/tls</c> Secret needs, and on update the fields that never change (a Secret's
/// <c>type</c>) or no longer change once <c>immutable</c> is set.
/// </summary>
internal static partial class ConfigDataValidator
{
    private const string ImmutableMessage = "Forbidden: field is immutable when `immutable` is set";
    private const string KeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

    /// <summary>Whether <paramref name="resource"/> is a Secret or a ConfigMap, the kinds checked here.</summary>
    public static bool Applies(ApiResource resource) =>
        resource.Flavor == ResourceFlavor.Secret || (resource.Group.Length == 0 && resource.Kind == "ConfigMap");

    /// <summary>The errors of a Secret or ConfigMap as written (create and update).</summary>
    public static List<FieldError> Validate(ApiResource resource, JsonObject obj)
    {
        var errors = new List<FieldError>();
        if (resource.Flavor == ResourceFlavor.Secret)
        {
            // The real server folds stringData into data before it validates: its keys count as data keys.
            CheckKeys(obj, "data", errors);
            CheckKeys(obj, "stringData", errors, "data");
            if (Text(obj, "type") == "kubernetes.io/tls")
            {
                foreach (var key in new[] { "tls.crt", "tls.key" })
                {
                    if ((obj["data"] as JsonObject)?.ContainsKey(key) != true && (obj["stringData"] as JsonObject)?.ContainsKey(key) != true)
                    {
                        errors.Add(FieldError.Required($"data[{key}]"));
                    }
                }
            }
        }
        else
        {
            CheckKeys(obj, "data", errors);
            CheckKeys(obj, "binaryData", errors);
        }

        return errors;
    }

    /// <summary>The errors of an update from <paramref name="old"/> to <paramref name="next"/>, in the real server's order.</summary>
    public static List<FieldError> ValidateUpdate(ApiResource resource, JsonObject old, JsonObject next)
    {
        var errors = new List<FieldError>();
        var isSecret = resource.Flavor == ResourceFlavor.Secret;
        if (isSecret && Text(old, "type") is { } oldType && Text(next, "type") is { } newType && oldType != newType)
        {
            errors.Add(FieldError.Invalid("type", newType, "field is immutable"));
        }

        if (old["immutable"] is JsonValue locked && locked.TryGetValue<bool>(out var isLocked) && isLocked)
        {
            if (next["immutable"] is not JsonValue stays || !stays.TryGetValue<bool>(out var stillLocked) || !stillLocked)
            {
                errors.Add(new FieldError("FieldValueForbidden", "immutable", ImmutableMessage));
            }

            foreach (var field in isSecret ? ["data"] : new[] { "data", "binaryData" })
            {
                if (!JsonNode.DeepEquals(Content(old, field), Content(next, field)))
                {
                    errors.Add(new FieldError("FieldValueForbidden", field, ImmutableMessage));
                }
            }
        }

        return errors;
    }

    private static void CheckKeys(JsonObject obj, string field, List<FieldError> errors, string? reportedAs = null)
    {
        if (obj[field] is not JsonObject data)
        {
            return;
        }

        foreach (var (key, _) in data)
        {
            if (!ConfigKey().IsMatch(key))
            {
                errors.Add(FieldError.Invalid($"{reportedAs ?? field}[{key}]", key, KeyMessage));
            }
        }
    }

    /// <summary>An empty map and an absent one are stored alike.</summary>
    private static JsonObject Content(JsonObject obj, string field) => obj[field] as JsonObject ?? [];

    private static string? Text(JsonObject obj, string field) => obj[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex("^[-._a-zA-Z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigKey();
}
