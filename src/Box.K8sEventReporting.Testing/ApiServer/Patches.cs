using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>A patch that cannot be applied (a failed JSON patch test, a bad path): answered 422.</summary>
internal sealed class PatchException(string message) : Exception(message);

/// <summary>JSON merge patch (RFC 7386), an approximation of strategic merge patch, and JSON patch (RFC 6902).</summary>
internal static class Patches
{
    // Merge keys of the lists strategic merge patch merges in the types this server is used with.
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["volumes"] = "name",
        ["env"] = "name",
        ["imagePullSecrets"] = "name",
        ["volumeMounts"] = "mountPath",
        ["ports"] = "containerPort",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["webhooks"] = "name",
    };

    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObject.ToList())
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var existing = result[key];
                result.Remove(key);
                result[key] = MergePatch(existing is JsonObject ? existing : null, value);
            }
        }

        return result;
    }

    /// <summary>
    /// Strategic merge patch, approximated: merge patch semantics, except that lists of objects with a known merge key
    /// (containers by name, conditions by type, ...) are merged element by element, <c>finalizers</c> are unioned,
    /// <c>$patch: delete</c> removes an element and other <c>$</c> directives are ignored.
    /// </summary>
    public static JsonNode? StrategicMergePatch(JsonNode? target, JsonNode? patch, string? fieldName = null)
    {
        if (patch is JsonArray patchArray)
        {
            if (fieldName is not null && target is JsonArray targetArray)
            {
                if (MergeKeys.TryGetValue(fieldName, out var mergeKey) && patchArray.All(e => e is JsonObject))
                {
                    return MergeByKey(targetArray, patchArray, mergeKey);
                }

                if (fieldName == "finalizers")
                {
                    var union = (JsonArray)targetArray.DeepClone();
                    foreach (var item in patchArray)
                    {
                        if (!union.Any(u => JsonNode.DeepEquals(u, item)))
                        {
                            union.Add(item?.DeepClone());
                        }
                    }

                    return union;
                }
            }

            return patch.DeepClone();
        }

        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObject.ToList())
        {
            if (key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var existing = result[key];
                result.Remove(key);
                result[key] = StrategicMergePatch(existing, value, key);
            }
        }

        return result;
    }

    private static JsonArray MergeByKey(JsonArray target, JsonArray patch, string mergeKey)
    {
        var result = (JsonArray)target.DeepClone();
        foreach (var element in patch.Cast<JsonObject>())
        {
            var keyValue = element[mergeKey];
            var index = -1;
            for (var i = 0; i < result.Count; i++)
            {
                if (result[i] is JsonObject candidate && JsonNode.DeepEquals(candidate[mergeKey], keyValue))
                {
                    index = i;
                    break;
                }
            }

            var directive = element["$patch"]?.GetValue<string>();
            if (directive == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                var merged = StrategicMergePatch(result[index]!.DeepClone(), element);
                result[index] = merged;
            }
            else
            {
                var clone = (JsonObject)element.DeepClone();
                clone.Remove("$patch");
                result.Add(clone);
            }
        }

        return result;
    }

    public static JsonNode ApplyJsonPatch(JsonNode document, JsonArray operations)
    {
        var root = document;
        foreach (var opNode in operations)
        {
            if (opNode is not JsonObject op)
            {
                throw new PatchException("a JSON patch operation must be an object");
            }

            var name = op["op"]?.GetValue<string>() ?? throw new PatchException("missing op");
            var path = op["path"]?.GetValue<string>() ?? throw new PatchException("missing path");
            switch (name)
            {
                case "add":
                    root = Add(root, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    root = Remove(root, path, out _);
                    break;
                case "replace":
                    root = Remove(root, path, out _);
                    root = Add(root, path, op["value"]?.DeepClone());
                    break;
                case "move":
                    {
                        var from = op["from"]?.GetValue<string>() ?? throw new PatchException("missing from");
                        root = Remove(root, from, out var moved);
                        root = Add(root, path, moved);
                        break;
                    }

                case "copy":
                    {
                        var from = op["from"]?.GetValue<string>() ?? throw new PatchException("missing from");
                        root = Add(root, path, Get(root, from)?.DeepClone());
                        break;
                    }

                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), op["value"]))
                    {
                        throw new PatchException("testing value " + path + " failed");
                    }

                    break;
                default:
                    throw new PatchException("unexpected op " + name);
            }
        }

        return root;
    }

    private static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new PatchException("invalid JSON pointer " + pointer);
        }

        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    private static JsonNode? Get(JsonNode? root, string pointer)
    {
        var current = root;
        foreach (var token in Tokens(pointer))
        {
            current = current switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => throw new PatchException("path " + pointer + " does not exist"),
            };
        }

        return current;
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode root, string pointer)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            throw new PatchException("cannot address the document root");
        }

        var parent = tokens.Length == 1
            ? root
            : Get(root, "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal))));

        return (parent ?? throw new PatchException("path " + pointer + " has a null parent"), tokens[^1]);
    }

    private static JsonNode Add(JsonNode root, string pointer, JsonNode? value)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new PatchException("cannot add at " + pointer);
        }

        return root;
    }

    private static JsonNode Remove(JsonNode root, string pointer, out JsonNode? removed)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out removed):
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw new PatchException("path " + pointer + " does not exist");
        }

        removed = removed?.DeepClone();
        return root;
    }

    public static bool IsJsonObject(JsonElement e) => e.ValueKind == JsonValueKind.Object;
}
