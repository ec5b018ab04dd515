using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>Small helpers on object JSON.</summary>
internal static class ObjectMutations
{
    public static StoredObject WithResourceVersion(StoredObject source, long resourceVersion)
    {
        var node = Json.ToNode(source.Json);
        Meta(node)["resourceVersion"] = FieldSelector.Invariant(resourceVersion);
        return new StoredObject(Json.Serialize(node), resourceVersion);
    }

    public static JsonObject Meta(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    public static string? GetString(JsonObject? obj, string name) =>
        obj is not null && obj.TryGetPropertyValue(name, out var v) && v is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Everything but metadata and status, to tell whether the spec changed (metadata.generation).</summary>
    public static bool SpecEquals(JsonObject a, JsonObject b)
    {
        foreach (var (key, value) in a)
        {
            if (key is "metadata" or "status" or "apiVersion" or "kind")
            {
                continue;
            }

            if (!b.TryGetPropertyValue(key, out var other) || !JsonNode.DeepEquals(value, other))
            {
                return false;
            }
        }

        foreach (var (key, _) in b)
        {
            if (key is "metadata" or "status" or "apiVersion" or "kind")
            {
                continue;
            }

            if (!a.ContainsKey(key))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Equal apart from metadata.resourceVersion and managedFields: such a write is a no-op (transcripts 14d, 14g).</summary>
    public static bool SameContent(JsonObject a, JsonObject b)
    {
        var x = (JsonObject)a.DeepClone();
        var y = (JsonObject)b.DeepClone();
        foreach (var o in new[] { x, y })
        {
            var meta = Meta(o);
            meta.Remove("resourceVersion");
            meta.Remove("managedFields");
        }

        return JsonNode.DeepEquals(x, y);
    }
}
