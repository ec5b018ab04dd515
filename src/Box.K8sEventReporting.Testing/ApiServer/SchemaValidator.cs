using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// A small subset of CRD structural schema validation: type, required, properties, items, maxLength, minLength,
/// pattern, enum, minimum, maximum; unknown fields are pruned (and reported) unless x-kubernetes-preserve-unknown-fields.
/// One error per field, type first, then length, then pattern (transcripts 08a-08g). A null where the schema is not
/// nullable is pruned, as the real server does since 1.20 (<c>PruneNonNullableNullsWithoutDefaults</c>); string lengths
/// count code points, as Go's <c>utf8.RuneCountInString</c> does.
/// </summary>
internal static class SchemaValidator
{
    public static List<FieldError> Validate(JsonObject obj, JsonObject schema, out List<string> unknownFields)
    {
        var errors = new List<FieldError>();
        unknownFields = [];
        var properties = schema["properties"] as JsonObject;
        foreach (var required in Strings(schema["required"]))
        {
            if (!obj.ContainsKey(required))
            {
                errors.Add(FieldError.Required(required));
            }
        }

        if (properties is null)
        {
            return errors;
        }

        foreach (var (key, value) in obj.ToList())
        {
            if (key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (properties[key] is JsonObject childSchema)
            {
                if (IsPrunableNull(value, childSchema))
                {
                    obj.Remove(key);
                    continue;
                }

                ValidateNode(obj, key, value, childSchema, key, errors, unknownFields);
            }
            else if (!PreservesUnknown(schema))
            {
                unknownFields.Add(key);
                obj.Remove(key);
            }
        }

        return errors;
    }

    private static void ValidateNode(JsonNode parent, string key, JsonNode? value, JsonObject schema, string path, List<FieldError> errors, List<string> unknown)
    {
        var type = schema["type"]?.GetValue<string>();
        var actual = TypeOf(value);
        if (type is not null && actual != type && !(type == "number" && actual == "integer") && !(value is null && schema["nullable"] is JsonValue n && n.GetValue<bool>()))
        {
            errors.Add(FieldError.TypeInvalid(path, actual, $"{path} in body must be of type {type}: \"{actual}\""));
            return;
        }

        switch (value)
        {
            case JsonObject o:
                foreach (var required in Strings(schema["required"]))
                {
                    if (!o.ContainsKey(required))
                    {
                        errors.Add(FieldError.Required(path + "." + required));
                    }
                }

                var props = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (childKey, childValue) in o.ToList())
                {
                    if (props?[childKey] is JsonObject childSchema)
                    {
                        if (IsPrunableNull(childValue, childSchema))
                        {
                            o.Remove(childKey);
                            continue;
                        }

                        ValidateNode(o, childKey, childValue, childSchema, path + "." + childKey, errors, unknown);
                    }
                    else if (additional is not null)
                    {
                        ValidateNode(o, childKey, childValue, additional, path + "." + childKey, errors, unknown);
                    }
                    else if (props is not null && !PreservesUnknown(schema))
                    {
                        unknown.Add(path + "." + childKey);
                        o.Remove(childKey);
                    }
                }

                break;
            case JsonArray a when schema["items"] is JsonObject itemSchema:
                for (var i = 0; i < a.Count; i++)
                {
                    ValidateNode(a, i.ToString(CultureInfo.InvariantCulture), a[i], itemSchema, $"{path}[{i}]", errors, unknown);
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
                if (schema["minimum"] is JsonValue minimum && d < minimum.GetValue<double>())
                {
                    errors.Add(FieldError.Invalid(path, v.ToJsonString(), $"{path} in body should be greater than or equal to {minimum.ToJsonString()}"));
                }
                else if (schema["maximum"] is JsonValue maximum && d > maximum.GetValue<double>())
                {
                    errors.Add(FieldError.Invalid(path, v.ToJsonString(), $"{path} in body should be less than or equal to {maximum.ToJsonString()}"));
                }

                break;
        }

        _ = parent;
        _ = key;
    }

    private static bool IsPrunableNull(JsonNode? value, JsonObject schema) =>
        value is null && !(schema["nullable"] is JsonValue n && n.GetValue<bool>()) && schema["default"] is null;

    private static bool PreservesUnknown(JsonObject schema) =>
        schema["x-kubernetes-preserve-unknown-fields"] is JsonValue p && p.TryGetValue<bool>(out var b) && b;

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
