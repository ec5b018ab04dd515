using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>Reads: get, list (selectors, paging, resourceVersion rules) and watch subscriptions.</summary>
internal sealed partial class ClusterState
{
    public ApiResponse Get(ApiResource resource, string? ns, string name)
    {
        StoredObject? obj;
        lock (Gate)
        {
            resource.Store.Objects.TryGetValue(Key(resource, ns, name), out obj);
        }

        return obj is null ? Statuses.NotFound(resource, name) : ApiResponse.Json(200, View(resource, obj));
    }

    /// <summary>The stored object, or null.</summary>
    public StoredObject? Lookup(ApiResource resource, string? ns, string name)
    {
        lock (Gate)
        {
            return resource.Store.Objects.TryGetValue(Key(resource, ns, name), out var obj) ? obj : null;
        }
    }

    /// <summary>Every stored object of a type, by key.</summary>
    public List<StoredObject> Snapshot(ApiResource resource)
    {
        lock (Gate)
        {
            return resource.Store.Objects.Count == 0 ? [] : resource.Store.Objects.Values.OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
        }
    }

    public static byte[] View(ApiResource resource, StoredObject obj) =>
        resource.Flavor == ResourceFlavor.EventsV1Event ? Json.Serialize(EventShapes.CoreToEventsV1(Json.ToNode(obj.Json))) : obj.Json;

    private static byte[] ListItem(ApiResource resource, StoredObject obj)
    {
        switch (resource.Flavor)
        {
            case ResourceFlavor.Custom or ResourceFlavor.CustomResourceDefinition:
                return obj.Json;
            case ResourceFlavor.EventsV1Event:
                var node = EventShapes.CoreToEventsV1(Json.ToNode(obj.Json));
                node.Remove("kind");
                node.Remove("apiVersion");
                return Json.Serialize(node);
            default:
                return obj.ListItemJson;
        }
    }

    public async Task<ApiResponse> ListAsync(ApiResource resource, string? ns, IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken)
    {
        LabelSelector labels;
        FieldSelector fields;
        try
        {
            labels = LabelSelector.Parse(query.GetValueOrDefault("labelSelector"));
            fields = FieldSelector.Parse(query.GetValueOrDefault("fieldSelector"), resource);
        }
        catch (SelectorException ex)
        {
            return Statuses.BadRequest(ex.Message);
        }

        if (!TryParseResourceVersion(query, out var rv, out var error))
        {
            return error!;
        }

        var match = query.GetValueOrDefault("resourceVersionMatch") ?? string.Empty;
        if (match.Length > 0 && rv is null)
        {
            return Statuses.Invalid("ListOptions.meta.k8s.io", "meta.k8s.io", "ListOptions", string.Empty, [FieldError.Required("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided")]);
        }

        if (match is not ("" or "NotOlderThan" or "Exact"))
        {
            return Statuses.Invalid("ListOptions.meta.k8s.io", "meta.k8s.io", "ListOptions", string.Empty, [new FieldError("FieldValueNotSupported", "resourceVersionMatch", $"Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\", \"\"")]);
        }

        var limit = 0;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 0))
        {
            return Statuses.BadRequest($"limit: Invalid value: \"{limitText}\"");
        }

        var continueToken = query.GetValueOrDefault("continue");
        ContinueToken? token = null;
        if (!string.IsNullOrEmpty(continueToken))
        {
            token = ContinueToken.Decode(continueToken);
            if (token is null)
            {
                return Statuses.BadRequest("continue key is not valid: illegal base64 data");
            }
        }

        if (rv is > 0 && token is null && rv > CurrentResourceVersion)
        {
            // Like the real server: wait a moment for the version to appear, then 504 with Retry-After (transcript 05e).
            if (options.TooLargeResourceVersionWait > TimeSpan.Zero)
            {
                await Task.Delay(options.TooLargeResourceVersionWait, timeProvider, cancellationToken).ConfigureAwait(false);
            }

            if (rv > CurrentResourceVersion)
            {
                var details = new JsonObject
                {
                    ["causes"] = new JsonArray { new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" } },
                    ["retryAfterSeconds"] = 1,
                };
                return Statuses.Build(504, "Timeout", $"Timeout: Too large resource version: {rv}, current: {CurrentResourceVersion}", details).WithHeader("Retry-After", "1");
            }
        }

        List<StoredObject> items;
        long listRv;
        var store = resource.Store;
        lock (Gate)
        {
            var current = currentResourceVersion;
            IEnumerable<StoredObject> source;
            if (token is not null)
            {
                if (token.ResourceVersion == -1 || token.ResourceVersion >= current)
                {
                    source = store.Objects.Values;
                    listRv = current;
                }
                else if (token.ResourceVersion < store.HistoryStartResourceVersion)
                {
                    var renewed = new ContinueToken(-1, token.Start).Encode();
                    return Statuses.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.", renewed);
                }
                else
                {
                    source = store.SnapshotAt(token.ResourceVersion).Values;
                    listRv = token.ResourceVersion;
                }
            }
            else if (rv is > 0 && (match == "Exact" || (limit > 0 && match != "NotOlderThan")))
            {
                if (rv < store.HistoryStartResourceVersion)
                {
                    return Statuses.Expired("The resourceVersion for the provided list is too old.");
                }

                source = rv >= current ? store.Objects.Values : store.SnapshotAt(rv.Value).Values;
                listRv = rv.Value;
            }
            else
            {
                source = store.Objects.Values;
                listRv = current;
            }

            items = [];
            foreach (var o in source)
            {
                if ((ns is null || o.Namespace == ns) && labels.Matches(o.Root) && fields.Matches(o.Root, resource))
                {
                    items.Add(o);
                }
            }
        }

        items.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        if (token is not null)
        {
            var start = token.Start;
            var first = items.FindIndex(o => string.CompareOrdinal(o.Key, start) >= 0);
            items = first < 0 ? [] : items.GetRange(first, items.Count - first);
        }

        // resourceVersion=0 (any version) is served from the real server's watch cache, which ignores limit and answers every
        // item in one page (Kubernetes 1.26); the server pages it only with the watch cache off.
        if (rv == 0 && token is null && options.ServeListsFromWatchCache)
        {
            limit = 0;
        }

        string next = string.Empty;
        long? remaining = null;
        if (limit > 0 && items.Count > limit)
        {
            next = new ContinueToken(listRv, items[limit - 1].Key + "\u0000").Encode();
            if (labels.IsEmpty && fields.IsEmpty)
            {
                remaining = items.Count - limit;
            }

            items = items.GetRange(0, limit);
        }

        return ApiResponse.Json(200, WriteList(resource, items, listRv, next, remaining));
    }

    private static byte[] WriteList(ApiResource resource, List<StoredObject> items, long listRv, string next, long? remaining)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Json.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", resource.GroupVersion);
            writer.WriteString("kind", resource.ListKind);
            writer.WriteStartObject("metadata");

            // Custom resource lists always carry "continue"; built-in lists omit it when empty (transcripts 01b, 11a).
            if (resource.IsCustom || next.Length > 0)
            {
                writer.WriteString("continue", next);
            }

            if (remaining is not null)
            {
                writer.WriteNumber("remainingItemCount", remaining.Value);
            }

            writer.WriteString("resourceVersion", FieldSelector.Invariant(listRv));
            writer.WriteEndObject();
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                writer.WriteRawValue(ListItem(resource, item), skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Opens a watch: queues the initial or replayed lines and subscribes to new changes, atomically.</summary>
    public (WatchSubscription? Subscription, ApiResponse? Error) OpenWatch(ApiResource resource, string? ns, IReadOnlyDictionary<string, string> query)
    {
        LabelSelector labels;
        FieldSelector fields;
        try
        {
            labels = LabelSelector.Parse(query.GetValueOrDefault("labelSelector"));
            fields = FieldSelector.Parse(query.GetValueOrDefault("fieldSelector"), resource);
        }
        catch (SelectorException ex)
        {
            return (null, Statuses.BadRequest(ex.Message));
        }

        if (!TryParseResourceVersion(query, out var rv, out var error))
        {
            return (null, error);
        }

        if (query.TryGetValue("sendInitialEvents", out var sie) && sie == "true")
        {
            return (null, Statuses.NotImplemented("sendInitialEvents (streaming lists) is not implemented by the in-process API server; watch with resourceVersion=0 or without one to get the initial ADDED events"));
        }

        var store = resource.Store;
        lock (Gate)
        {
            var current = currentResourceVersion;
            if (rv is null or 0)
            {
                var sub = new WatchSubscription(resource, ns, labels, fields, current, options.WatchQueueLimit);
                foreach (var o in store.Objects.Values.OrderBy(o => o.Key, StringComparer.Ordinal))
                {
                    if (sub.Matches(o))
                    {
                        sub.Enqueue(new WatchItem(WatchItemKind.Event, "ADDED", o));
                    }
                }

                store.Watchers.Add(sub);
                return (sub, null);
            }

            if (rv < store.HistoryStartResourceVersion)
            {
                var sub = new WatchSubscription(resource, ns, labels, fields, rv.Value, int.MaxValue);
                var status = Statuses.Build(410, "Expired", $"too old resource version: {rv} ({store.HistoryStartResourceVersion})");
                sub.Enqueue(new WatchItem(WatchItemKind.Error, Raw: status.Body));
                sub.Complete();
                return (sub, null);
            }

            var live = new WatchSubscription(resource, ns, labels, fields, rv.Value, options.WatchQueueLimit);
            for (var i = store.FirstIndexAfter(rv.Value); i < store.HistoryCount; i++)
            {
                live.Offer(store.HistoryAt(i));
            }

            store.Watchers.Add(live);
            return (live, null);
        }
    }

    public void CloseWatch(WatchSubscription subscription)
    {
        lock (Gate)
        {
            subscription.Resource.Store.Watchers.Remove(subscription);
        }

        subscription.Complete();
    }

    /// <summary>Queues a bookmark when the type has seen a change newer than the watch's start (as the real watch cache does).</summary>
    public void EnqueueBookmark(WatchSubscription subscription)
    {
        lock (Gate)
        {
            var last = subscription.Resource.Store.LastResourceVersion;
            if (last > subscription.StartResourceVersion)
            {
                subscription.Enqueue(new WatchItem(WatchItemKind.Bookmark, ResourceVersion: last));
            }
        }
    }

    public void ForEachWatch(Action<WatchSubscription> action)
    {
        lock (Gate)
        {
            foreach (var store in stores.Values)
            {
                foreach (var w in store.Watchers.ToList())
                {
                    action(w);
                }
            }
        }
    }

    public void CompactHistory()
    {
        lock (Gate)
        {
            foreach (var store in stores.Values)
            {
                store.Compact(currentResourceVersion);
            }
        }
    }
}
