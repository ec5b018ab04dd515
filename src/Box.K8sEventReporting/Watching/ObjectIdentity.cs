using System.Text.Json;

namespace Box.K8sEventReporting.Watching;

/// <summary>The identity fields of an object that could not be decoded, read as far as the JSON allows.</summary>
internal readonly record struct ObjectIdentity(string? Namespace, string? Name, string? Uid, string? ResourceVersion)
{
    /// <summary>Reads <c>metadata</c> of a parsed object, whatever its other fields hold.</summary>
    public static ObjectIdentity Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("metadata", out var metadata)
            || metadata.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        return new ObjectIdentity(
            GetString(metadata, "namespace"),
            GetString(metadata, "name"),
            GetString(metadata, "uid"),
            GetString(metadata, "resourceVersion"));
    }

    /// <summary>Scans possibly invalid JSON up to its first error for the first <c>metadata</c> object's identity fields.</summary>
    public static ObjectIdentity Scan(ReadOnlySpan<byte> json)
    {
        string? ns = null, name = null, uid = null, rv = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var metadataDepth = -1;
        var sawMetadataProperty = false;
        var done = false;
        string? property = null;
        try
        {
            while (!done && reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        if (metadataDepth < 0 && property == "metadata")
                        {
                            sawMetadataProperty = true;
                        }

                        break;
                    case JsonTokenType.StartObject when sawMetadataProperty && metadataDepth < 0:
                        metadataDepth = reader.CurrentDepth;
                        break;
                    case JsonTokenType.EndObject when reader.CurrentDepth == metadataDepth:
                        done = true;
                        break;
                    case JsonTokenType.String when metadataDepth >= 0 && reader.CurrentDepth == metadataDepth + 1:
                        var value = reader.GetString();
                        switch (property)
                        {
                            case "namespace": ns ??= value; break;
                            case "name": name ??= value; break;
                            case "uid": uid ??= value; break;
                            case "resourceVersion": rv ??= value; break;
                            default: break;
                        }

                        break;
                    default:
                        if (sawMetadataProperty && metadataDepth < 0 && reader.TokenType != JsonTokenType.StartObject)
                        {
                            sawMetadataProperty = false;
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Invalid JSON: keep what was read before the error.
        }

        return new ObjectIdentity(ns, name, uid, rv);
    }

    private static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
