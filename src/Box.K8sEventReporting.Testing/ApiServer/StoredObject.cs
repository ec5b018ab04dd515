using System.Text.Json;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>An immutable stored object: its JSON bytes, a parsed read-only view and the fields the server indexes.</summary>
internal sealed class StoredObject
{
    private byte[]? listItemJson;

    public StoredObject(byte[] json, long resourceVersion)
    {
        Json = json;
        Root = ApiServer.Json.ToElement(json);
        ResourceVersion = resourceVersion;
        var meta = Root.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        Name = GetString(meta, "name") ?? string.Empty;
        Namespace = GetString(meta, "namespace") ?? string.Empty;
        Uid = GetString(meta, "uid") ?? string.Empty;
        Key = Namespace.Length == 0 ? Name : Namespace + "/" + Name;
        if (meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("ownerReferences", out var owners) && owners.ValueKind == JsonValueKind.Array)
        {
            var list = new List<string>();
            foreach (var o in owners.EnumerateArray())
            {
                if (o.ValueKind == JsonValueKind.Object && GetString(o, "uid") is { Length: > 0 } uid)
                {
                    list.Add(uid);
                }
            }

            OwnerUids = list;
        }
        else
        {
            OwnerUids = [];
        }
    }

    public byte[] Json { get; }

    /// <summary>The object as a core-group list item: without kind and apiVersion, like the real server (computed once).</summary>
    public byte[] ListItemJson
    {
        get
        {
            if (listItemJson is null)
            {
                var node = ApiServer.Json.ToNode(Json);
                node.Remove("kind");
                node.Remove("apiVersion");
                listItemJson = ApiServer.Json.Serialize(node);
            }

            return listItemJson;
        }
    }

    public JsonElement Root { get; }

    public long ResourceVersion { get; }

    public string Name { get; }

    public string Namespace { get; }

    public string Uid { get; }

    /// <summary><c>namespace/name</c>, or <c>name</c> when cluster-scoped; lists sort by it.</summary>
    public string Key { get; }

    public IReadOnlyList<string> OwnerUids { get; }

    public JsonElement Metadata => Root.TryGetProperty("metadata", out var m) ? m : default;

    public bool HasFinalizers =>
        Metadata.ValueKind == JsonValueKind.Object && Metadata.TryGetProperty("finalizers", out var f) && f.ValueKind == JsonValueKind.Array && f.GetArrayLength() > 0;

    public bool IsBeingDeleted =>
        Metadata.ValueKind == JsonValueKind.Object && Metadata.TryGetProperty("deletionTimestamp", out var d) && d.ValueKind == JsonValueKind.String;

    public static string? GetString(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>A change in a store's history.</summary>
/// <param name="Type">ADDED, MODIFIED or DELETED.</param>
/// <param name="Object">The new state (for DELETED: the last state with the deletion's resourceVersion).</param>
/// <param name="Previous">The state before the change (null for ADDED).</param>
internal sealed record StoredEvent(string Type, StoredObject Object, StoredObject? Previous)
{
    public long ResourceVersion => Object.ResourceVersion;
}
