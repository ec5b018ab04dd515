using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// Turns watch lines and list items into objects of the watched type with KubernetesClient's own JSON settings.
/// One bad object becomes a <see cref="WatchEventKind.DecodeFailed"/> event carrying what could be read; it never throws for bad input.
/// </summary>
internal sealed class ResourceDecoder<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    internal const int MaxRawJsonChars = 64 * 1024;

    private readonly JsonTypeInfo<T> objectInfo;
    private readonly JsonTypeInfo<WatchEnvelope> envelopeInfo;
    private readonly JsonTypeInfo<V1Status> statusInfo;
    private readonly JsonTypeInfo<V1ListMeta> listMetaInfo;
    private readonly JsonReaderOptions readerOptions;
    private readonly Func<T, T> prepare;

    /// <param name="prepare">Applied to every decoded object (fills kind, strips, transforms).</param>
    /// <param name="skipManagedFields">Whether <c>metadata.managedFields</c> is skipped while reading instead of decoded and dropped.</param>
    public ResourceDecoder(Func<T, T> prepare, bool skipManagedFields = false)
    {
        this.prepare = prepare;
        var options = skipManagedFields ? KubernetesJsonOptions.WithoutManagedFields : KubernetesJsonOptions.Client;
        objectInfo = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        envelopeInfo = (JsonTypeInfo<WatchEnvelope>)options.GetTypeInfo(typeof(WatchEnvelope));
        statusInfo = (JsonTypeInfo<V1Status>)KubernetesJsonOptions.Client.GetTypeInfo(typeof(V1Status));
        listMetaInfo = (JsonTypeInfo<V1ListMeta>)options.GetTypeInfo(typeof(V1ListMeta));
        readerOptions = new JsonReaderOptions
        {
            AllowTrailingCommas = options.AllowTrailingCommas,
            CommentHandling = options.ReadCommentHandling,
            MaxDepth = options.MaxDepth,
        };
    }

    /// <summary>Decodes one line of a watch stream (UTF-8 JSON, without the newline).</summary>
    public WatchEvent<T> DecodeWatchLine(ReadOnlySpan<byte> line)
    {
        // Fast path: one pass straight into the typed envelope. Anything unusual (ERROR events, bad objects) takes the slow path.
        try
        {
            var envelope = JsonSerializer.Deserialize(line, envelopeInfo);
            if (envelope?.Object is { } obj)
            {
                switch (envelope.Type)
                {
                    case "ADDED":
                        return ObjectEvent(WatchEventKind.Added, obj, line);
                    case "MODIFIED":
                        return ObjectEvent(WatchEventKind.Modified, obj, line);
                    case "DELETED":
                        return ObjectEvent(WatchEventKind.Deleted, obj, line);
                    case "BOOKMARK":
                        return new WatchEvent<T>(WatchEventKind.Bookmark, ResourceVersion: obj.Metadata?.ResourceVersion);
                    default:
                        break;
                }
            }
        }
        catch (Exception ex) when (IsDecodeException(ex))
        {
            // Fall through to the slow path, which says what went wrong and reads what it can.
        }

        return DecodeWatchLineSlow(line);
    }

    /// <summary>Decodes a whole list page: one typed pass when every item is good, item by item otherwise.</summary>
    /// <param name="body">The UTF-8 JSON of the list.</param>
    /// <returns>The items (or their decode failures), the list's resourceVersion and continue token.</returns>
    /// <exception cref="JsonException">The list itself is not valid JSON.</exception>
    public (List<WatchEvent<T>> Items, string? ResourceVersion, string? Continue) DecodeList(ReadOnlySpan<byte> body)
    {
        try
        {
            if (DecodeListTyped(body) is { } typed)
            {
                return typed;
            }
        }
        catch (Exception ex) when (IsDecodeException(ex))
        {
            // One bad item spoils the typed pass: decode item by item below, so that only that item fails.
        }

        using var document = JsonDocument.Parse(body.ToArray());
        var root = document.RootElement;
        string? resourceVersion = null;
        string? next = null;
        if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            resourceVersion = metadata.TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String ? rv.GetString() : null;
            next = metadata.TryGetProperty("continue", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }

        var decoded = new List<WatchEvent<T>>();
        if (root.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            decoded.Capacity = array.GetArrayLength();
            foreach (var item in array.EnumerateArray())
            {
                decoded.Add(DecodeListItem(item));
            }
        }

        return (decoded, resourceVersion, next);
    }

    /// <summary>
    /// The typed pass: reads the list's items one at a time and prepares (strips, transforms) each as soon as it is read,
    /// so a large list (a first LIST served from the watch cache is never paged) never holds all its objects untrimmed at
    /// once. Null when an item has no name, the list has no items array, or its shape is unexpected: the caller then
    /// decodes item by item.
    /// </summary>
    private (List<WatchEvent<T>> Items, string? ResourceVersion, string? Continue)? DecodeListTyped(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, readerOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        V1ListMeta? metadata = null;
        List<WatchEvent<T>>? items = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                metadata = JsonSerializer.Deserialize(ref reader, listMetaInfo);
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                {
                    return null;
                }

                items = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (JsonSerializer.Deserialize(ref reader, objectInfo) is not { Metadata.Name.Length: > 0 } item)
                    {
                        return null;
                    }

                    items.Add(new WatchEvent<T>(WatchEventKind.Added, prepare(item), item.Metadata.ResourceVersion));
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return items is null ? null : (items, metadata?.ResourceVersion, metadata?.ContinueProperty);
    }

    /// <summary>Decodes one item of a list.</summary>
    public WatchEvent<T> DecodeListItem(JsonElement item)
    {
        return DecodeObject(WatchEventKind.Added, "ADDED", item);
    }

    private WatchEvent<T> ObjectEvent(WatchEventKind kind, T obj, ReadOnlySpan<byte> line)
    {
        if (string.IsNullOrEmpty(obj.Metadata?.Name))
        {
            return DecodeWatchLineSlow(line);
        }

        return new WatchEvent<T>(kind, prepare(obj), obj.Metadata.ResourceVersion);
    }

    private WatchEvent<T> DecodeWatchLineSlow(ReadOnlySpan<byte> line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToArray());
        }
        catch (JsonException ex)
        {
            var identity = ObjectIdentity.Scan(line);
            return Failed(null, identity, Truncate(Encoding.UTF8.GetString(line)), $"The watch event is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var typeElement)
                || typeElement.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("object", out var obj))
            {
                return Failed(null, ObjectIdentity.Scan(line), Truncate(Encoding.UTF8.GetString(line)), "The watch event has no 'type' string or no 'object'.");
            }

            var type = typeElement.GetString();
            switch (type)
            {
                case "ADDED":
                    return DecodeObject(WatchEventKind.Added, type, obj);
                case "MODIFIED":
                    return DecodeObject(WatchEventKind.Modified, type, obj);
                case "DELETED":
                    return DecodeObject(WatchEventKind.Deleted, type, obj);
                case "BOOKMARK":
                    return new WatchEvent<T>(WatchEventKind.Bookmark, ResourceVersion: ObjectIdentity.Read(obj).ResourceVersion);
                case "ERROR":
                    return new WatchEvent<T>(WatchEventKind.Error, Status: ReadStatus(obj));
                default:
                    return Failed(null, ObjectIdentity.Read(obj), Truncate(obj.GetRawText()), $"Unknown watch event type '{type}'.");
            }
        }
    }

    private WatchEvent<T> DecodeObject(WatchEventKind kind, string eventType, JsonElement element)
    {
        T? obj;
        try
        {
            obj = element.ValueKind == JsonValueKind.Object ? element.Deserialize(objectInfo) : null;
        }
        catch (Exception ex) when (IsDecodeException(ex))
        {
            return Failed(eventType, ObjectIdentity.Read(element), Truncate(element.GetRawText()), $"The object does not deserialize into {typeof(T).Name}: {WithoutPosition(ex.Message)}");
        }

        if (obj is null)
        {
            return Failed(eventType, ObjectIdentity.Read(element), Truncate(element.GetRawText()), $"The object is {element.ValueKind}, not a JSON object.");
        }

        if (obj.Metadata is null || string.IsNullOrEmpty(obj.Metadata.Name))
        {
            return Failed(eventType, ObjectIdentity.Read(element), Truncate(element.GetRawText()), "The object has no metadata.name.");
        }

        return new WatchEvent<T>(kind, prepare(obj), obj.Metadata.ResourceVersion);
    }

    private V1Status ReadStatus(JsonElement element)
    {
        try
        {
            if (element.ValueKind == JsonValueKind.Object && element.Deserialize(statusInfo) is { } status)
            {
                return status;
            }
        }
        catch (Exception ex) when (IsDecodeException(ex))
        {
            // Read what we can below.
        }

        var isObject = element.ValueKind == JsonValueKind.Object;
        var code = isObject && element.TryGetProperty("code", out var c) && c.TryGetInt32(out var value) ? value : 0;
        var reason = isObject && element.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        return new V1Status { Code = code, Reason = reason, Message = Truncate(element.GetRawText()), Status = "Failure" };
    }

    private static WatchEvent<T> Failed(string? eventType, ObjectIdentity identity, string raw, string error)
    {
        // The error echoes the object's text (JSON paths, values): escaped, so that a log line or Event quoting it cannot be forged.
        var failure = new ResourceDecodeFailure(identity.Namespace, identity.Name, identity.Uid, identity.ResourceVersion, raw, Reporting.EventMessage.Escape(error));
        return new WatchEvent<T>(WatchEventKind.DecodeFailed, ResourceVersion: identity.ResourceVersion, Failure: failure, FailedEventType: eventType);
    }

    internal static string Truncate(string raw) => raw.Length <= MaxRawJsonChars ? raw : raw[..MaxRawJsonChars];

    /// <summary>
    /// Drops System.Text.Json's <c>| LineNumber: n | BytePositionInLine: n</c>: the position moves whenever metadata changes
    /// (a status write, a new resourceVersion), so the same problem would read as a new message each time. The path stays.
    /// </summary>
    private static string WithoutPosition(string message)
    {
        var position = message.IndexOf(" | LineNumber: ", StringComparison.Ordinal);
        return position < 0 ? message : message[..position] + ".";
    }

    private static bool IsDecodeException(Exception ex) =>
        ex is JsonException or FormatException or InvalidOperationException or ArgumentException or OverflowException or NotSupportedException or InvalidCastException;

    internal sealed class WatchEnvelope
    {
        public string? Type { get; set; }

        public T? Object { get; set; }
    }
}
