using System.Globalization;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// Defaulting and validation of <c>admissionregistration.k8s.io/v1</c> ValidatingWebhookConfigurations, as the real
/// API server does them (k8s.io/kubernetes pkg/apis/admissionregistration: v1 defaults and validation), worded alike.
/// </summary>
internal static class WebhookConfigurations
{
    private static readonly string[] Operations = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
    private static readonly string[] Scopes = ["*", "Cluster", "Namespaced"];
    private static readonly string[] FailurePolicies = ["Fail", "Ignore"];
    private static readonly string[] MatchPolicies = ["Equivalent", "Exact"];
    private static readonly string[] SideEffects = ["None", "NoneOnDryRun"];
    private static readonly string[] ReviewVersions = ["v1", "v1beta1"];
    private static readonly string[] SelectorOperators = ["In", "NotIn", "Exists", "DoesNotExist"];

    /// <summary>Fills the v1 defaults into <paramref name="configuration"/> and returns what is invalid in it.</summary>
    public static List<FieldError> DefaultAndValidate(JsonObject configuration)
    {
        var errors = new List<FieldError>();
        if (configuration["webhooks"] is null)
        {
            return errors;
        }

        if (configuration["webhooks"] is not JsonArray webhooks)
        {
            errors.Add(new FieldError("FieldValueTypeInvalid", "webhooks", "Invalid value: must be a list"));
            return errors;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < webhooks.Count; i++)
        {
            var path = $"webhooks[{i}]";
            if (webhooks[i] is not JsonObject hook)
            {
                errors.Add(new FieldError("FieldValueTypeInvalid", path, "Invalid value: must be an object"));
                continue;
            }

            Default(hook);
            var name = ObjectMutations.GetString(hook, "name");
            if (string.IsNullOrEmpty(name))
            {
                errors.Add(FieldError.Required(path + ".name"));
            }
            else if (name.Split('.').Length < 3 || name.Split('.').Any(s => s.Length == 0))
            {
                errors.Add(FieldError.Invalid(path + ".name", name, "should be a domain with at least three segments separated by dots"));
            }
            else if (!names.Add(name))
            {
                errors.Add(new FieldError("FieldValueDuplicate", path + ".name", $"Duplicate value: \"{name}\""));
            }

            ValidateRules(hook["rules"] as JsonArray, path + ".rules", errors);
            NotSupported(hook, "failurePolicy", path, FailurePolicies, errors);
            NotSupported(hook, "matchPolicy", path, MatchPolicies, errors);
            if (hook["sideEffects"] is null)
            {
                errors.Add(FieldError.Required(path + ".sideEffects", "must specify one of None, NoneOnDryRun"));
            }
            else
            {
                NotSupported(hook, "sideEffects", path, SideEffects, errors);
            }

            if (hook["timeoutSeconds"] is JsonValue timeout && (!timeout.TryGetValue<int>(out var seconds) || seconds is < 1 or > 30))
            {
                errors.Add(new FieldError("FieldValueInvalid", path + ".timeoutSeconds", $"Invalid value: {timeout.ToJsonString()}: the timeout value must be between 1 and 30 seconds"));
            }

            ValidateReviewVersions(hook["admissionReviewVersions"] as JsonArray, path + ".admissionReviewVersions", errors);
            ValidateClientConfig(hook["clientConfig"] as JsonObject, path + ".clientConfig", errors);
            ValidateSelector(hook["namespaceSelector"] as JsonObject, path + ".namespaceSelector", errors);
            ValidateSelector(hook["objectSelector"] as JsonObject, path + ".objectSelector", errors);
        }

        return errors;
    }

    private static void Default(JsonObject hook)
    {
        hook["failurePolicy"] ??= "Fail";
        hook["matchPolicy"] ??= "Equivalent";
        hook["namespaceSelector"] ??= new JsonObject();
        hook["objectSelector"] ??= new JsonObject();
        hook["timeoutSeconds"] ??= 10;
        if (hook["clientConfig"]?["service"] is JsonObject service)
        {
            service["port"] ??= 443;
        }

        if (hook["rules"] is JsonArray rules)
        {
            foreach (var rule in rules.OfType<JsonObject>())
            {
                rule["scope"] ??= "*";
            }
        }
    }

    private static void ValidateRules(JsonArray? rules, string path, List<FieldError> errors)
    {
        for (var j = 0; rules is not null && j < rules.Count; j++)
        {
            var rulePath = $"{path}[{j}]";
            if (rules[j] is not JsonObject rule)
            {
                errors.Add(new FieldError("FieldValueTypeInvalid", rulePath, "Invalid value: must be an object"));
                continue;
            }

            foreach (var field in new[] { "operations", "apiGroups", "apiVersions", "resources" })
            {
                if (rule[field] is not JsonArray { Count: > 0 })
                {
                    errors.Add(FieldError.Required($"{rulePath}.{field}"));
                }
            }

            if (rule["operations"] is JsonArray operations)
            {
                for (var k = 0; k < operations.Count; k++)
                {
                    var op = (operations[k] as JsonValue)?.ToString() ?? string.Empty;
                    if (!Operations.Contains(op, StringComparer.Ordinal))
                    {
                        errors.Add(Unsupported($"{rulePath}.operations[{k}]", op, Operations));
                    }
                }
            }

            NotSupported(rule, "scope", rulePath, Scopes, errors);
        }
    }

    private static void ValidateReviewVersions(JsonArray? versions, string path, List<FieldError> errors)
    {
        var given = versions?.Select(v => (v as JsonValue)?.ToString() ?? string.Empty).ToList() ?? [];
        if (given.Count == 0)
        {
            errors.Add(FieldError.Required(path, "must specify one of v1, v1beta1"));
        }
        else if (!given.Any(v => ReviewVersions.Contains(v, StringComparer.Ordinal)))
        {
            errors.Add(new FieldError("FieldValueInvalid", path, $"Invalid value: []string{{{string.Join(", ", given.Select(v => "\"" + v + "\""))}}}: must include at least one of v1, v1beta1"));
        }
    }

    private static void ValidateClientConfig(JsonObject? config, string path, List<FieldError> errors)
    {
        var url = ObjectMutations.GetString(config, "url");
        var service = config?["service"] as JsonObject;
        if ((url is null) == (service is null))
        {
            errors.Add(FieldError.Required(path, "exactly one of url or service is required"));
            return;
        }

        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                errors.Add(FieldError.Invalid(path + ".url", url, "host must be specified"));
            }
            else if (uri.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add(FieldError.Invalid(path + ".url", url, "'https' is the only allowed URL scheme"));
            }
            else if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                errors.Add(FieldError.Invalid(path + ".url", url, "user information, query parameters and fragments are not permitted"));
            }

            return;
        }

        if (string.IsNullOrEmpty(ObjectMutations.GetString(service, "namespace")))
        {
            errors.Add(FieldError.Required(path + ".service.namespace", "service namespace is required"));
        }

        if (string.IsNullOrEmpty(ObjectMutations.GetString(service, "name")))
        {
            errors.Add(FieldError.Required(path + ".service.name", "service name is required"));
        }

        if (ObjectMutations.GetString(service, "path") is { } servicePath && !servicePath.StartsWith('/'))
        {
            errors.Add(FieldError.Invalid(path + ".service.path", servicePath, "must start with a '/'"));
        }

        if (service!["port"] is JsonValue port && (!port.TryGetValue<int>(out var p) || p is < 1 or > 65535))
        {
            errors.Add(new FieldError("FieldValueInvalid", path + ".service.port", $"Invalid value: {port.ToJsonString()}: port is not valid: must be between 1 and 65535, inclusive"));
        }
    }

    private static void ValidateSelector(JsonObject? selector, string path, List<FieldError> errors)
    {
        if (selector?["matchExpressions"] is not JsonArray expressions)
        {
            return;
        }

        for (var k = 0; k < expressions.Count; k++)
        {
            var at = $"{path}.matchExpressions[{k}]";
            var expression = expressions[k] as JsonObject;
            var op = ObjectMutations.GetString(expression, "operator") ?? string.Empty;
            var count = (expression?["values"] as JsonArray)?.Count ?? 0;
            if (!SelectorOperators.Contains(op, StringComparer.Ordinal))
            {
                errors.Add(FieldError.Invalid(at + ".operator", op, "not a valid selector operator"));
            }
            else if (op is "In" or "NotIn" && count == 0)
            {
                errors.Add(FieldError.Required(at + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
            }
            else if (op is "Exists" or "DoesNotExist" && count > 0)
            {
                errors.Add(new FieldError("FieldValueForbidden", at + ".values", "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
            }
        }
    }

    private static void NotSupported(JsonObject obj, string field, string path, string[] supported, List<FieldError> errors)
    {
        if (obj[field] is JsonNode node && !supported.Contains((node as JsonValue)?.ToString(), StringComparer.Ordinal))
        {
            errors.Add(Unsupported(path + "." + field, (node as JsonValue)?.ToString() ?? node.ToJsonString(), supported));
        }
    }

    private static FieldError Unsupported(string field, string value, string[] supported) =>
        new("FieldValueNotSupported", field, string.Create(CultureInfo.InvariantCulture, $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => "\"" + s + "\""))}"));
}
