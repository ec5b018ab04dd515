using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// A subset of CRD structural schema validation: type, required, properties, additionalProperties, items, maxLength,
/// minLength, pattern, enum, minimum, maximum (and exclusive), minItems, maxItems, default; unknown fields are pruned (and
/// reported) unless x-kubernetes-preserve-unknown-fields. One error per field, type first, then length, then pattern
/// (transcripts 08a-08g, 22b-22h). A null where the schema is not nullable is pruned before defaults and required are
/// looked at, as the real server does since 1.20 (<c>PruneNonNullableNullsWithoutDefaults</c>); string lengths count code
/// points, as Go's <c>utf8.RuneCountInString</c> does. CEL rules (<c>x-kubernetes-validations</c>) are not evaluated; when
/// a schema has some and an error would stop a real server from evaluating them, the same extra cause is reported (22b).
/// Formats are not checked.
/// </summary>
internal static class SchemaValidator
{
    private const string CelNotChecked = "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

    public static List<FieldError> Validate(JsonObject obj, JsonObject schema, out List<string> unknownFields)
    {
        var errors = new List<FieldError>();
        unknownFields = [];
        ValidateObject(obj, schema, null, errors, unknownFields);

        // apiextensions-apiserver skips CEL rules after errors that leave the object unfit for them, and says so.
        if (errors.Any(e => e.Reason is "FieldValueRequired" or "FieldValueTooLong" or "FieldValueTooMany" or "FieldValueTypeInvalid") && HasCelRules(schema))
        {
            errors.Add(new FieldError("FieldValueInvalid", "<nil>", CelNotChecked));
        }

        return errors;
    }

    /// <summary>An object: nulls pruned, then defaults, then required, then each field (unknown ones pruned). <paramref name="path"/> is null at the root.</summary>
    private static void ValidateObject(JsonObject o, JsonObject schema, string? path, List<FieldError> errors, List<string> unknown)
    {
        var props = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        foreach (var (key, value) in o.ToList())
        {
            if (value is null && (props?[key] ?? additional) is JsonObject childSchema && !IsNullable(childSchema) && !(path is null && IsServerOwned(key)))
            {
                o.Remove(key);
            }
        }

        if (props is not null)
        {
            foreach (var (key, childSchema) in props)
            {
                if (!o.ContainsKey(key) && childSchema?["default"] is { } value)
                {
                    o[key] = value.DeepClone();
                }
            }
        }

        foreach (var required in Strings(schema["required"]))
        {
            if (!o.ContainsKey(required))
            {
                errors.Add(FieldError.Required(Join(path, required)));
            }
        }

        if (props is null && additional is null && path is null)
        {
            return;
        }

        foreach (var (key, value) in o.ToList())
        {
            if (path is null && IsServerOwned(key))
            {
                continue;
            }

            if (props?[key] is JsonObject childSchema)
            {
                ValidateNode(value, childSchema, Join(path, key), errors, unknown);
            }
            else if (additional is not null)
            {
                ValidateNode(value, additional, Join(path, key), errors, unknown);
            }
            else if ((props is not null || path is null) && !PreservesUnknown(schema))
            {
                unknown.Add(Join(path, key));
                o.Remove(key);
            }
        }
    }

    private static void ValidateNode(JsonNode? value, JsonObject schema, string path, List<FieldError> errors, List<string> unknown)
    {
        var type = schema["type"]?.GetValue<string>();
        var actual = TypeOf(value);
        if (type is not null && actual != type && !(type == "number" && actual == "integer") && !(value is null && IsNullable(schema)))
        {
            errors.Add(FieldError.TypeInvalid(path, actual, $"{path} in body must be of type {type}: \"{actual}\""));
            return;
        }

        switch (value)
        {
            case JsonObject o:
                ValidateObject(o, schema, path, errors, unknown);
                break;
            case JsonArray a:
                if (schema["maxItems"] is JsonValue maxItems && a.Count > maxItems.GetValue<long>())
                {
                    errors.Add(new FieldError("FieldValueTooMany", path, $"Too many: {a.Count}: must have at most {maxItems.GetValue<long>()} items"));
                }
                else if (schema["minItems"] is JsonValue minItems && a.Count < minItems.GetValue<long>())
                {
                    errors.Add(FieldError.InvalidNumber(path, a.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at least {minItems.GetValue<long>()} items"));
                }

                if (schema["items"] is JsonObject itemSchema)
                {
                    for (var i = 0; i < a.Count; i++)
                    {
                        ValidateNode(a[i], itemSchema, $"{path}[{i}]", errors, unknown);
                    }
                }

                break;
            case JsonValue v when actual == "string":
                var s = v.GetValue<string>();
                var length = s.EnumerateRunes().Count();
                if (schema["maxLength"] is JsonValue max && length > max.GetValue<int>())
                {
                    errors.Add(FieldError.TooLong(path, max.GetValue<int>()));
                }
                else if (schema["minLength"] is JsonValue min && length < min.GetValue<int>())
                {
                    errors.Add(FieldError.Invalid(path, s, $"{path} in body should be at least {min.GetValue<int>()} chars long"));
                }
                else if (schema["pattern"] is JsonValue pattern && !Regex.IsMatch(s, pattern.GetValue<string>(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
                {
                    errors.Add(FieldError.Invalid(path, s, $"{path} in body should match '{pattern.GetValue<string>()}'"));
                }
                else if (schema["enum"] is JsonArray values && !values.Any(e => JsonNode.DeepEquals(e, v)))
                {
                    errors.Add(new FieldError("FieldValueNotSupported", path, $"Unsupported value: \"{s}\": supported values: " + string.Join(", ", values.Select(e => e?.ToJsonString()))));
                }

                break;
            case JsonValue v when actual is "integer" or "number":
                var d = v.GetValue<double>();
                var exclusiveMinimum = schema["exclusiveMinimum"] is JsonValue xmin && xmin.GetValue<bool>();
                var exclusiveMaximum = schema["exclusiveMaximum"] is JsonValue xmax && xmax.GetValue<bool>();
                if (schema["minimum"] is JsonValue minimum && (exclusiveMinimum ? d <= minimum.GetValue<double>() : d < minimum.GetValue<double>()))
                {
                    errors.Add(FieldError.InvalidNumber(path, v.ToJsonString(), $"{path} in body should be greater than {(exclusiveMinimum ? string.Empty : "or equal to ")}{minimum.ToJsonString()}"));
                }
                else if (schema["maximum"] is JsonValue maximum && (exclusiveMaximum ? d >= maximum.GetValue<double>() : d > maximum.GetValue<double>()))
                {
                    errors.Add(FieldError.InvalidNumber(path, v.ToJsonString(), $"{path} in body should be less than {(exclusiveMaximum ? string.Empty : "or equal to ")}{maximum.ToJsonString()}"));
                }

                break;
        }
    }

    private static string Join(string? path, string key) => path is null ? key : path + "." + key;

    private static bool IsServerOwned(string key) => key is "apiVersion" or "kind" or "metadata";

    private static bool IsNullable(JsonObject schema) => schema["nullable"] is JsonValue n && n.GetValue<bool>();

    private static bool PreservesUnknown(JsonObject schema) =>
        schema["x-kubernetes-preserve-unknown-fields"] is JsonValue p && p.TryGetValue<bool>(out var b) && b;

    private static bool HasCelRules(JsonNode? schema) => schema switch
    {
        JsonObject o => o.ContainsKey("x-kubernetes-validations") || o.Any(kv => HasCelRules(kv.Value)),
        JsonArray a => a.Any(HasCelRules),
        _ => false,
    };

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(x => x?.GetValue<string>()).Where(x => x is not null).Select(x => x!) : [];

    private static string TypeOf(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => value.AsValue().TryGetValue<long>(out _) || IsWhole(value) ? "integer" : "number",
        _ => "null",
    };

    private static bool IsWhole(JsonNode value) => value.AsValue().TryGetValue<double>(out var d) && Math.Floor(d) == d;
}
