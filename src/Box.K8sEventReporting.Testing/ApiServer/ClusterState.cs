using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// The whole cluster: resource types, objects, history, watches and the one resourceVersion counter.
/// Every write happens under <see cref="Gate"/>, so resourceVersions, history order and watch delivery agree.
/// </summary>
internal sealed partial class ClusterState
{
    private const string SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private readonly ConcurrentDictionary<(string Group, string Version, string Plural), ApiResource> resources = new();
    private readonly Dictionary<string, ResourceStore> stores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<(ResourceStore Store, string Key)>> dependents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ResourceStore Store, string Key)> byUid = new(StringComparer.Ordinal);
    private readonly InProcessApiServerOptions options;
    private readonly TimeProvider timeProvider;
    private long currentResourceVersion;

    public ClusterState(InProcessApiServerOptions options)
    {
        this.options = options;
        timeProvider = options.TimeProvider ?? TimeProvider.System;
        RegisterBuiltins();
        foreach (var ns in options.InitialNamespaces)
        {
            EnsureNamespace(ns);
        }
    }

    public object Gate { get; } = new();

    public long CurrentResourceVersion => Interlocked.Read(ref currentResourceVersion);

    public ApiResource? Find(string group, string version, string plural) =>
        resources.TryGetValue((group, version, plural), out var r) ? r : null;

    public IEnumerable<ApiResource> Resources => resources.Values;

    public IEnumerable<ResourceStore> Stores
    {
        get
        {
            lock (Gate)
            {
                return stores.Values.ToList();
            }
        }
    }

    public string Now() => timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public bool NamespaceExists(string ns)
    {
        var store = Find(string.Empty, "v1", "namespaces")!.Store;
        lock (Gate)
        {
            return store.Objects.ContainsKey(ns);
        }
    }

    public void EnsureNamespace(string ns)
    {
        var resource = Find(string.Empty, "v1", "namespaces")!;
        var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } };
        lock (Gate)
        {
            if (!resource.Store.Objects.ContainsKey(ns))
            {
                PrepareNew(resource, obj);
                Commit(resource, obj, "ADDED", null);
            }
        }
    }

    /// <summary>Registers a custom resource type by creating its CustomResourceDefinition (idempotent).</summary>
    public void RegisterCustomResource(string group, string version, string plural, string kind, bool namespaced, bool hasStatusSubresource)
    {
        var crd = new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = plural + "." + group },
            ["spec"] = new JsonObject
            {
                ["group"] = group,
                ["scope"] = namespaced ? "Namespaced" : "Cluster",
                ["names"] = new JsonObject { ["kind"] = kind, ["listKind"] = kind + "List", ["plural"] = plural, ["singular"] = kind.ToLowerInvariant() },
                ["versions"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["name"] = version,
                        ["served"] = true,
                        ["storage"] = true,
                        ["subresources"] = hasStatusSubresource ? new JsonObject { ["status"] = new JsonObject() } : new JsonObject(),
                        ["schema"] = new JsonObject { ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
                    },
                },
            },
        };
        var crdResource = Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        lock (Gate)
        {
            if (crdResource.Store.Objects.ContainsKey(plural + "." + group))
            {
                return;
            }

            PrepareNew(crdResource, crd);
            ApplyCrd(crd);
            Commit(crdResource, crd, "ADDED", null);
        }
    }

    // ---------------------------------------------------------------- reads

    public ApiResponse Get(ApiResource resource, string? ns, string name)
    {
        StoredObject? obj;
        lock (Gate)
        {
            resource.Store.Objects.TryGetValue(Key(resource, ns, name), out obj);
        }

        return obj is null ? Statuses.NotFound(resource, name) : ApiResponse.Json(200, View(resource, obj));
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

    // ---------------------------------------------------------------- writes

    public ApiResponse Create(ApiResource resource, string? ns, JsonObject body, IReadOnlyDictionary<string, string> query)
    {
        if (resource.Namespaced && ns is null)
        {
            return Statuses.MethodNotAllowed($"{resource.QualifiedResource} must be created in a namespace: POST to .../namespaces/{{namespace}}/{resource.Plural}");
        }

        if (CheckKind(resource, body) is { } kindError)
        {
            return kindError;
        }

        if (resource.Flavor == ResourceFlavor.EventsV1Event)
        {
            body = EventShapes.EventsV1ToCore(body);
        }

        var meta = ObjectMutations.Meta(body);
        var bodyNs = ObjectMutations.GetString(meta, "namespace");
        if (resource.Namespaced)
        {
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            {
                return Statuses.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = ns;
        }
        else
        {
            meta.Remove("namespace");
        }

        var name = ObjectMutations.GetString(meta, "name");
        if (string.IsNullOrEmpty(name))
        {
            var prefix = ObjectMutations.GetString(meta, "generateName");
            if (string.IsNullOrEmpty(prefix))
            {
                return Statuses.InvalidForKind(resource, string.Empty, [FieldError.Required("metadata.name", "name or generateName is required")]);
            }

            name = prefix + RandomSuffix();
            meta["name"] = name;
        }

        if (resource.Namespaced && !NamespaceExists(ns!))
        {
            if (!options.AutoCreateNamespaces)
            {
                return Statuses.NamespaceNotFound(ns!);
            }

            EnsureNamespace(ns!);
        }

        var errors = ValidateName(resource, name);
        if (errors.Count == 0)
        {
            errors = ValidateContent(resource, body, ns ?? string.Empty, query, out var strictError, out var warnings);
            if (strictError is not null)
            {
                return strictError;
            }

            if (errors.Count == 0)
            {
                lock (Gate)
                {
                    var key = Key(resource, ns, name);
                    if (resource.Store.Objects.ContainsKey(key))
                    {
                        return Statuses.AlreadyExists(resource, name);
                    }

                    PrepareNew(resource, body);
                    if (resource.Flavor == ResourceFlavor.CustomResourceDefinition)
                    {
                        if (ApplyCrd(body) is { } crdError)
                        {
                            return crdError;
                        }
                    }

                    var stored = Commit(resource, body, "ADDED", null);
                    var response = ApiResponse.Json(201, View(resource, stored));
                    foreach (var w in warnings)
                    {
                        response.WithHeader("Warning", $"299 - \"{w.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
                    }

                    return response;
                }
            }
        }

        return InvalidResponse(resource, name, errors);
    }

    public ApiResponse Update(ApiResource resource, string? ns, string name, string? subresource, JsonObject body, IReadOnlyDictionary<string, string> query)
    {
        if (CheckKind(resource, body) is { } kindError)
        {
            return kindError;
        }

        if (resource.Flavor == ResourceFlavor.EventsV1Event)
        {
            body = EventShapes.EventsV1ToCore(body);
        }

        var meta = ObjectMutations.Meta(body);
        var bodyName = ObjectMutations.GetString(meta, "name");
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            return Statuses.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var bodyNs = ObjectMutations.GetString(meta, "namespace");
        if (resource.Namespaced && !string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
        {
            return Statuses.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        lock (Gate)
        {
            if (!resource.Store.Objects.TryGetValue(Key(resource, ns, name), out var existing))
            {
                if (resource.AllowCreateOnUpdate && subresource is null)
                {
                    meta["name"] = name;
                    return Create(resource, ns, resource.Flavor == ResourceFlavor.EventsV1Event ? EventShapes.CoreToEventsV1(body) : body, query);
                }

                return Statuses.NotFound(resource, name);
            }

            var rvText = ObjectMutations.GetString(meta, "resourceVersion");
            if (string.IsNullOrEmpty(rvText))
            {
                if (resource.RequiresResourceVersionOnUpdate)
                {
                    return Statuses.InvalidForResource(resource, name, [new FieldError("FieldValueInvalid", "metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")]);
                }
            }
            else if (rvText != FieldSelector.Invariant(existing.ResourceVersion))
            {
                return Statuses.Conflict(resource, name);
            }

            return UpdateLocked(resource, existing, body, subresource, query);
        }
    }

    public ApiResponse Patch(ApiResource resource, string? ns, string name, string? subresource, string contentType, byte[] body, IReadOnlyDictionary<string, string> query)
    {
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        var accepted = resource.IsCustom
            ? "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
            : "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml";
        switch (mediaType)
        {
            case "application/merge-patch+json" or "application/json-patch+json":
                break;
            case "application/strategic-merge-patch+json" when !resource.IsCustom:
                break;
            case "application/apply-patch+yaml":
                if (string.IsNullOrEmpty(query.GetValueOrDefault("fieldManager")))
                {
                    return Statuses.Invalid("PatchOptions.meta.k8s.io", "meta.k8s.io", "PatchOptions", string.Empty, [FieldError.Required("fieldManager", "is required for apply patch")]);
                }

                return Statuses.NotImplemented("server-side apply (application/apply-patch+yaml) is not implemented by the in-process API server; use a merge patch, a JSON patch or create/update");
            default:
                return Statuses.UnsupportedMediaType("the body of the request was in an unknown format - accepted media types include: " + accepted);
        }

        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body);
        }
        catch (JsonException ex)
        {
            return Statuses.BadRequest("error decoding patch: " + ex.Message);
        }

        lock (Gate)
        {
            if (!resource.Store.Objects.TryGetValue(Key(resource, ns, name), out var existing))
            {
                return Statuses.NotFound(resource, name);
            }

            JsonObject view = resource.Flavor == ResourceFlavor.EventsV1Event ? EventShapes.CoreToEventsV1(Json.ToNode(existing.Json)) : Json.ToNode(existing.Json);
            JsonObject patched;
            try
            {
                JsonNode? result = mediaType switch
                {
                    "application/merge-patch+json" => Patches.MergePatch(view, patch),
                    "application/strategic-merge-patch+json" => Patches.StrategicMergePatch(view, patch),
                    _ => Patches.ApplyJsonPatch(view, patch as JsonArray ?? throw new PatchException("a JSON patch must be an array")),
                };
                patched = result as JsonObject ?? throw new PatchException("the patch did not produce an object");
            }
            catch (Exception ex) when (ex is PatchException or InvalidOperationException or FormatException)
            {
                return Statuses.Build(422, "Invalid", "the server rejected our request due to an error in our request", new JsonObject());
            }

            if (resource.Flavor == ResourceFlavor.EventsV1Event)
            {
                patched = EventShapes.EventsV1ToCore(patched);
            }

            var meta = ObjectMutations.Meta(patched);
            var rvText = ObjectMutations.GetString(meta, "resourceVersion");
            if (!string.IsNullOrEmpty(rvText) && rvText != FieldSelector.Invariant(existing.ResourceVersion))
            {
                return Statuses.Conflict(resource, name);
            }

            meta["name"] = name;
            return UpdateLocked(resource, existing, patched, subresource, query);
        }
    }

    private ApiResponse UpdateLocked(ApiResource resource, StoredObject existing, JsonObject incoming, string? subresource, IReadOnlyDictionary<string, string> query)
    {
        var old = Json.ToNode(existing.Json);
        JsonObject next;
        List<string> warnings = [];
        if (subresource == "status")
        {
            next = (JsonObject)old.DeepClone();
            next.Remove("status");
            if (incoming["status"] is JsonNode status)
            {
                next["status"] = status.DeepClone();
            }
        }
        else
        {
            next = (JsonObject)incoming.DeepClone();
            next["apiVersion"] = resource.Flavor == ResourceFlavor.EventsV1Event ? "v1" : resource.GroupVersion;
            next["kind"] = resource.Kind;
            var meta = ObjectMutations.Meta(next);
            var oldMeta = ObjectMutations.Meta(old);
            foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds" })
            {
                meta.Remove(field);
                if (oldMeta[field] is JsonNode value)
                {
                    meta[field] = value.DeepClone();
                }
            }

            meta.Remove("managedFields");
            if (resource.HasStatus)
            {
                next.Remove("status");
                if (old["status"] is JsonNode oldStatus)
                {
                    next["status"] = oldStatus.DeepClone();
                }
            }

            if (resource.Flavor == ResourceFlavor.CoreEvent || resource.Flavor == ResourceFlavor.EventsV1Event)
            {
                next = EventShapes.NormalizeCore(next);
            }

            if (resource.Flavor == ResourceFlavor.Secret)
            {
                FoldStringData(next);
            }

            var errors = ValidateContent(resource, next, existing.Namespace, query, out var strictError, out warnings);
            if (strictError is not null)
            {
                return strictError;
            }

            if (errors.Count > 0)
            {
                return InvalidResponse(resource, existing.Name, errors);
            }

            if (resource.TracksGeneration && !ObjectMutations.SpecEquals(old, next))
            {
                var generation = oldMeta["generation"]?.GetValue<long>() ?? 0;
                meta["generation"] = generation + 1;
            }
        }

        ObjectMutations.Meta(next)["resourceVersion"] = FieldSelector.Invariant(existing.ResourceVersion);
        if (ObjectMutations.SameContent(old, next))
        {
            return ApiResponse.Json(200, View(resource, existing));
        }

        StoredObject stored;
        if (existing.IsBeingDeleted && next["metadata"]?["finalizers"] is not JsonArray { Count: > 0 })
        {
            // The last finalizer is gone: the object goes away now.
            stored = Commit(resource, next, "DELETED", existing);
            CollectDependents(existing.Uid, orphan: false);
        }
        else
        {
            stored = Commit(resource, next, "MODIFIED", existing);
        }

        var response = ApiResponse.Json(200, View(resource, stored));
        foreach (var w in warnings)
        {
            response.WithHeader("Warning", $"299 - \"{w.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        return response;
    }

    public ApiResponse Delete(ApiResource resource, string? ns, string name, JsonObject? options, IReadOnlyDictionary<string, string> query)
    {
        var policy = ObjectMutations.GetString(options, "propagationPolicy") ?? query.GetValueOrDefault("propagationPolicy") ?? "Background";
        if (options?["orphanDependents"] is JsonValue orphan && orphan.TryGetValue<bool>(out var o) && o)
        {
            policy = "Orphan";
        }

        lock (Gate)
        {
            if (!resource.Store.Objects.TryGetValue(Key(resource, ns, name), out var existing))
            {
                return Statuses.NotFound(resource, name);
            }

            if (options?["preconditions"] is JsonObject pre)
            {
                var preRv = ObjectMutations.GetString(pre, "resourceVersion");
                if (!string.IsNullOrEmpty(preRv) && preRv != FieldSelector.Invariant(existing.ResourceVersion))
                {
                    return Statuses.Conflict(resource, name, $"Precondition failed: ResourceVersion in precondition: {preRv}, ResourceVersion in object meta: {existing.ResourceVersion}");
                }

                var preUid = ObjectMutations.GetString(pre, "uid");
                if (!string.IsNullOrEmpty(preUid) && preUid != existing.Uid)
                {
                    return Statuses.Conflict(resource, name, $"Precondition failed: UID in precondition: {preUid}, UID in object meta: {existing.Uid}");
                }
            }

            if (resource.Flavor == ResourceFlavor.Namespace)
            {
                return DeleteNamespaceLocked(resource, existing);
            }

            if (existing.IsBeingDeleted)
            {
                return ApiResponse.Json(200, View(resource, existing));
            }

            if (policy == "Foreground" || existing.HasFinalizers)
            {
                var marked = Json.ToNode(existing.Json);
                var meta = ObjectMutations.Meta(marked);
                meta["deletionTimestamp"] = Now();
                meta["deletionGracePeriodSeconds"] = 0;
                if (policy == "Foreground")
                {
                    var finalizers = meta["finalizers"] as JsonArray ?? [];
                    finalizers.Add("foregroundDeletion");
                    meta["finalizers"] = finalizers.DeepClone();
                    if (resource.TracksGeneration)
                    {
                        meta["generation"] = (meta["generation"]?.GetValue<long>() ?? 0) + 1;
                    }
                }

                var markedStored = Commit(resource, marked, "MODIFIED", existing);
                var response = ApiResponse.Json(200, View(resource, markedStored));
                if (policy == "Foreground")
                {
                    // Dependents go first, then the owner; done at once rather than by a controller.
                    CollectDependents(existing.Uid, orphan: false);
                    var remaining = ((JsonArray)meta["finalizers"]!).Where(f => f?.GetValue<string>() != "foregroundDeletion").Select(f => f!.DeepClone()).ToArray();
                    var after = Json.ToNode(markedStored.Json);
                    var afterMeta = ObjectMutations.Meta(after);
                    if (remaining.Length == 0)
                    {
                        afterMeta.Remove("finalizers");
                        Commit(resource, after, "DELETED", markedStored);
                    }
                    else
                    {
                        afterMeta["finalizers"] = new JsonArray(remaining);
                        Commit(resource, after, "MODIFIED", markedStored);
                    }
                }

                return response;
            }

            var deleted = Commit(resource, Json.ToNode(existing.Json), "DELETED", existing);
            CollectDependents(existing.Uid, orphan: policy == "Orphan");
            if (resource.Flavor == ResourceFlavor.CustomResourceDefinition)
            {
                RemoveCrd(Json.ToNode(existing.Json));
            }

            return resource.ReturnsObjectOnDelete ? ApiResponse.Json(200, View(resource, deleted)) : Statuses.Success(resource, name, existing.Uid);
        }
    }

    public ApiResponse DeleteCollection(ApiResource resource, string? ns, IReadOnlyDictionary<string, string> query)
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

        var deleted = new List<StoredObject>();
        lock (Gate)
        {
            foreach (var o in resource.Store.Objects.Values.ToList())
            {
                if ((ns is null || o.Namespace == ns) && labels.Matches(o.Root) && fields.Matches(o.Root, resource))
                {
                    Delete(resource, o.Namespace.Length == 0 ? null : o.Namespace, o.Name, null, query);
                    deleted.Add(o);
                }
            }

            return ApiResponse.Json(200, WriteList(resource, deleted, currentResourceVersion, string.Empty, null));
        }
    }

    private ApiResponse DeleteNamespaceLocked(ApiResource resource, StoredObject existing)
    {
        var ns = existing.Name;
        foreach (var r in resources.Values.Where(r => r.Namespaced).GroupBy(r => r.Store).Select(g => g.First()))
        {
            foreach (var o in r.Store.Objects.Values.Where(o => o.Namespace == ns).ToList())
            {
                Commit(r, Json.ToNode(o.Json), "DELETED", o);
            }
        }

        var terminating = Json.ToNode(existing.Json);
        ObjectMutations.Meta(terminating)["deletionTimestamp"] = Now();
        terminating["status"] = new JsonObject { ["phase"] = "Terminating" };
        var deleted = Commit(resource, terminating, "DELETED", existing);
        return ApiResponse.Json(200, deleted.Json);
    }

    /// <summary>Garbage-collects the dependents of a deleted owner synchronously (the real GC takes about 0.1 s, transcript 15e).</summary>
    private void CollectDependents(string ownerUid, bool orphan)
    {
        if (ownerUid.Length == 0 || !dependents.TryGetValue(ownerUid, out var set))
        {
            return;
        }

        foreach (var (store, key) in set.ToList())
        {
            if (!store.Objects.TryGetValue(key, out var dependent))
            {
                continue;
            }

            var resource = resources.Values.First(r => r.Store == store && r.Flavor != ResourceFlavor.EventsV1Event);
            var otherOwnerAlive = dependent.OwnerUids.Any(u => u != ownerUid && byUid.ContainsKey(u));
            if (orphan || otherOwnerAlive)
            {
                var node = Json.ToNode(dependent.Json);
                var meta = ObjectMutations.Meta(node);
                if (meta["ownerReferences"] is JsonArray refs)
                {
                    var kept = refs.Where(r => ObjectMutations.GetString(r as JsonObject, "uid") != ownerUid).Select(r => r!.DeepClone()).ToArray();
                    if (kept.Length == 0)
                    {
                        meta.Remove("ownerReferences");
                    }
                    else
                    {
                        meta["ownerReferences"] = new JsonArray(kept);
                    }
                }

                Commit(resource, node, "MODIFIED", dependent);
            }
            else
            {
                Delete(resource, dependent.Namespace.Length == 0 ? null : dependent.Namespace, dependent.Name, null, new Dictionary<string, string>());
            }
        }

        dependents.Remove(ownerUid);
    }

    /// <summary>Assigns the next resourceVersion, stores (or removes) the object, records history and feeds the watches.</summary>
    private StoredObject Commit(ApiResource resource, JsonObject obj, string type, StoredObject? previous)
    {
        var rv = ++currentResourceVersion;
        Interlocked.Exchange(ref currentResourceVersion, rv);
        ObjectMutations.Meta(obj)["resourceVersion"] = FieldSelector.Invariant(rv);
        var stored = new StoredObject(Json.Serialize(obj), rv);
        var store = resource.Store;
        if (previous is not null)
        {
            foreach (var owner in previous.OwnerUids)
            {
                if (dependents.TryGetValue(owner, out var set))
                {
                    set.Remove((store, previous.Key));
                }
            }
        }

        if (type == "DELETED")
        {
            store.Objects.Remove(stored.Key);
            byUid.Remove(stored.Uid);
        }
        else
        {
            store.Objects[stored.Key] = stored;
            if (stored.Uid.Length > 0)
            {
                byUid[stored.Uid] = (store, stored.Key);
            }

            foreach (var owner in stored.OwnerUids)
            {
                if (!dependents.TryGetValue(owner, out var set))
                {
                    set = [];
                    dependents[owner] = set;
                }

                set.Add((store, stored.Key));
            }
        }

        var change = new StoredEvent(type, stored, previous);
        store.Append(change);
        for (var i = store.Watchers.Count - 1; i >= 0; i--)
        {
            var watcher = store.Watchers[i];
            watcher.Offer(change);
            if (watcher.Overflowed)
            {
                store.Watchers.RemoveAt(i);
            }
        }

        return stored;
    }

    private void PrepareNew(ApiResource resource, JsonObject obj)
    {
        obj["apiVersion"] = resource.Flavor is ResourceFlavor.EventsV1Event or ResourceFlavor.CoreEvent ? "v1" : resource.GroupVersion;
        obj["kind"] = resource.Kind;
        var meta = ObjectMutations.Meta(obj);
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("managedFields");
        meta.Remove("generation");
        if (resource.TracksGeneration)
        {
            meta["generation"] = 1;
        }

        if (resource.HasStatus)
        {
            obj.Remove("status");
        }

        switch (resource.Flavor)
        {
            case ResourceFlavor.Namespace:
                obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            case ResourceFlavor.Pod:
                obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
                break;
            case ResourceFlavor.Secret:
                FoldStringData(obj);
                break;
            case ResourceFlavor.CoreEvent or ResourceFlavor.EventsV1Event:
                var normalized = EventShapes.NormalizeCore((JsonObject)obj.DeepClone());
                obj.Clear();
                foreach (var (k, v) in normalized.ToList())
                {
                    normalized.Remove(k);
                    obj[k] = v;
                }

                break;
        }
    }

    private static void FoldStringData(JsonObject secret)
    {
        if (secret["stringData"] is JsonObject stringData)
        {
            var data = secret["data"] as JsonObject ?? [];
            foreach (var (k, v) in stringData)
            {
                data[k] = Convert.ToBase64String(Encoding.UTF8.GetBytes(v?.GetValue<string>() ?? string.Empty));
            }

            secret.Remove("stringData");
            secret.Remove("data");
            secret["data"] = data.DeepClone();
        }
    }

    private static ApiResponse? CheckKind(ApiResource resource, JsonObject body)
    {
        var kind = ObjectMutations.GetString(body, "kind");
        if (!string.IsNullOrEmpty(kind) && kind != resource.Kind)
        {
            return Statuses.BadRequest($"the kind of the provided object ({kind}) does not match the kind of the resource ({resource.Kind})");
        }

        var apiVersion = ObjectMutations.GetString(body, "apiVersion");
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != resource.GroupVersion)
        {
            return Statuses.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({resource.GroupVersion})");
        }

        return null;
    }

    private static List<FieldError> ValidateName(ApiResource resource, string name)
    {
        if (resource.Flavor == ResourceFlavor.Namespace)
        {
            if (name.Length > 63)
            {
                return [FieldError.Invalid("metadata.name", name, "must be no more than 63 characters")];
            }

            return DnsLabel().IsMatch(name) ? [] : [FieldError.Invalid("metadata.name", name, LabelMessage)];
        }

        if (name.Length > 253)
        {
            return [FieldError.Invalid("metadata.name", name, "must be no more than 253 characters")];
        }

        return DnsSubdomain().IsMatch(name) ? [] : [FieldError.Invalid("metadata.name", name, SubdomainMessage)];
    }

    private List<FieldError> ValidateContent(ApiResource resource, JsonObject obj, string ns, IReadOnlyDictionary<string, string> query, out ApiResponse? strictError, out List<string> warnings)
    {
        strictError = null;
        warnings = [];
        switch (resource.Flavor)
        {
            case ResourceFlavor.CoreEvent:
                return EventShapes.Validate(obj, ns, viaEventsV1: false);
            case ResourceFlavor.EventsV1Event:
                return EventShapes.Validate(obj, ns, viaEventsV1: true);
            case ResourceFlavor.Custom when resource.Schema is not null && options.ValidateCustomResourceSchemas:
                var result = SchemaValidator.Validate(obj, resource.Schema, out var unknown);
                if (unknown.Count > 0)
                {
                    if (query.GetValueOrDefault("fieldValidation") == "Strict")
                    {
                        strictError = Statuses.BadRequest($"{resource.Kind} in version \"{resource.Version}\" cannot be handled as a {resource.Kind}: strict decoding error: " + string.Join(", ", unknown.Select(u => $"unknown field \"{u}\"")));
                    }
                    else
                    {
                        warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
                    }
                }

                return result;
            default:
                return [];
        }
    }

    private static ApiResponse InvalidResponse(ApiResource resource, string name, List<FieldError> errors) =>
        resource.Flavor is ResourceFlavor.CoreEvent or ResourceFlavor.EventsV1Event
            ? Statuses.Invalid("Event", null, "Event", name, errors)
            : Statuses.InvalidForKind(resource, name, errors);

    private static bool TryParseResourceVersion(IReadOnlyDictionary<string, string> query, out long? rv, out ApiResponse? error)
    {
        rv = null;
        error = null;
        if (!query.TryGetValue("resourceVersion", out var text) || text.Length == 0)
        {
            return true;
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > long.MaxValue)
        {
            error = Statuses.InternalError($"resourceVersion: Invalid value: \"{text}\": strconv.ParseUint: parsing \"{text}\": invalid syntax");
            return false;
        }

        rv = (long)value;
        return true;
    }

    private static string Key(ApiResource resource, string? ns, string name) => resource.Namespaced ? ns + "/" + name : name;

    private static string RandomSuffix()
    {
        Span<char> chars = stackalloc char[5];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)];
        }

        return new string(chars);
    }

    // ---------------------------------------------------------------- types

    private ResourceStore StoreFor(string name, bool namespaced)
    {
        lock (Gate)
        {
            if (!stores.TryGetValue(name, out var store))
            {
                store = new ResourceStore(name, namespaced, options.HistoryLimit);
                stores[name] = store;
            }

            return store;
        }
    }

    private void RegisterBuiltins()
    {
        void Add(ApiResource r) => resources[(r.Group, r.Version, r.Plural)] = r;

        Add(new ApiResource(string.Empty, "v1", "pods", "Pod", true, true, ResourceFlavor.Pod, StoreFor("/pods", true))
        {
            ReturnsObjectOnDelete = true,
            FieldLabels = ApiResource.Labels("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"),
        });
        Add(new ApiResource(string.Empty, "v1", "secrets", "Secret", true, false, ResourceFlavor.Secret, StoreFor("/secrets", true)) { FieldLabels = ApiResource.Labels("type") });
        Add(new ApiResource(string.Empty, "v1", "configmaps", "ConfigMap", true, false, ResourceFlavor.Builtin, StoreFor("/configmaps", true)));
        Add(new ApiResource(string.Empty, "v1", "serviceaccounts", "ServiceAccount", true, false, ResourceFlavor.Builtin, StoreFor("/serviceaccounts", true)));
        Add(new ApiResource(string.Empty, "v1", "namespaces", "Namespace", false, true, ResourceFlavor.Namespace, StoreFor("/namespaces", false))
        {
            ReturnsObjectOnDelete = true,
            FieldLabels = ApiResource.Labels("status.phase"),
        });
        var events = StoreFor("/events", true);
        Add(new ApiResource(string.Empty, "v1", "events", "Event", true, false, ResourceFlavor.CoreEvent, events)
        {
            AllowCreateOnUpdate = true,
            FieldLabels = ApiResource.Labels("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
        });
        Add(new ApiResource("events.k8s.io", "v1", "events", "Event", true, false, ResourceFlavor.EventsV1Event, events)
        {
            AllowCreateOnUpdate = true,
            FieldLabels = ApiResource.Labels("regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "type"),
        });
        Add(new ApiResource("coordination.k8s.io", "v1", "leases", "Lease", true, false, ResourceFlavor.Builtin, StoreFor("coordination.k8s.io/leases", true)) { RequiresResourceVersionOnUpdate = true });
        Add(new ApiResource("apps", "v1", "deployments", "Deployment", true, true, ResourceFlavor.Builtin, StoreFor("apps/deployments", true)) { TracksGeneration = true });
        Add(new ApiResource("apps", "v1", "replicasets", "ReplicaSet", true, true, ResourceFlavor.Builtin, StoreFor("apps/replicasets", true)) { TracksGeneration = true });
        Add(new ApiResource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true, ResourceFlavor.CustomResourceDefinition, StoreFor("apiextensions.k8s.io/customresourcedefinitions", false)) { TracksGeneration = true });
    }

    /// <summary>Registers the served versions of a CRD and fills its status (called under the gate, before it is stored).</summary>
    private ApiResponse? ApplyCrd(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject;
        var group = ObjectMutations.GetString(spec, "group");
        var names = spec?["names"] as JsonObject;
        var plural = ObjectMutations.GetString(names, "plural");
        var kind = ObjectMutations.GetString(names, "kind");
        var name = ObjectMutations.GetString(ObjectMutations.Meta(crd), "name") ?? string.Empty;
        if (string.IsNullOrEmpty(group) || string.IsNullOrEmpty(plural) || string.IsNullOrEmpty(kind) || spec?["versions"] is not JsonArray versions)
        {
            return Statuses.Invalid("CustomResourceDefinition.apiextensions.k8s.io", "apiextensions.k8s.io", "CustomResourceDefinition", name, [FieldError.Required("spec", "group, names.plural, names.kind and versions are required")]);
        }

        if (name != plural + "." + group)
        {
            return Statuses.Invalid("CustomResourceDefinition.apiextensions.k8s.io", "apiextensions.k8s.io", "CustomResourceDefinition", name, [FieldError.Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group")]);
        }

        var namespaced = ObjectMutations.GetString(spec, "scope") != "Cluster";
        var store = StoreFor(group + "/" + plural, namespaced);
        foreach (var v in versions.OfType<JsonObject>())
        {
            if (v["served"] is JsonValue served && served.TryGetValue<bool>(out var s) && !s)
            {
                continue;
            }

            var version = ObjectMutations.GetString(v, "name") ?? "v1";
            var hasStatus = v["subresources"]?["status"] is JsonObject;
            var resource = new ApiResource(group, version, plural, kind, namespaced, hasStatus, ResourceFlavor.Custom, store)
            {
                TracksGeneration = true,
                RequiresResourceVersionOnUpdate = true,
            };
            resource.Schema = v["schema"]?["openAPIV3Schema"]?.DeepClone() as JsonObject;
            resources[(group, version, plural)] = resource;
        }

        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = names!.DeepClone(),
            ["conditions"] = new JsonArray
            {
                new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["reason"] = "NoConflicts", ["message"] = "no conflicts found", ["lastTransitionTime"] = Now() },
                new JsonObject { ["type"] = "Established", ["status"] = "True", ["reason"] = "InitialNamesAccepted", ["message"] = "the initial names have been accepted", ["lastTransitionTime"] = Now() },
            },
            ["storedVersions"] = new JsonArray(versions.OfType<JsonObject>().Select(v => (JsonNode?)JsonValue.Create(ObjectMutations.GetString(v, "name"))).ToArray()),
        };
        return null;
    }

    private void RemoveCrd(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject;
        var group = ObjectMutations.GetString(spec, "group") ?? string.Empty;
        var plural = ObjectMutations.GetString(spec?["names"] as JsonObject, "plural") ?? string.Empty;
        var matching = resources.Where(kv => kv.Key.Group == group && kv.Key.Plural == plural).ToList();
        if (matching.Count == 0)
        {
            return;
        }

        var resource = matching[0].Value;
        foreach (var o in resource.Store.Objects.Values.ToList())
        {
            Commit(resource, Json.ToNode(o.Json), "DELETED", o);
        }

        foreach (var w in resource.Store.Watchers.ToList())
        {
            w.Complete();
        }

        resource.Store.Watchers.Clear();
        foreach (var kv in matching)
        {
            resources.TryRemove(kv.Key, out _);
        }

        stores.Remove(group + "/" + plural);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();
}

/// <summary>The list continue token, shaped like the real one (base64 of <c>{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}</c>).</summary>
internal sealed record ContinueToken(long ResourceVersion, string Start)
{
    public string Encode()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = ResourceVersion, ["start"] = Start });
        return Convert.ToBase64String(json).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static ContinueToken? Decode(string token)
    {
        try
        {
            var text = token.Replace('-', '+').Replace('_', '/');
            text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
            var node = JsonNode.Parse(Convert.FromBase64String(text)) as JsonObject;
            if (node?["rv"] is JsonValue rv && node["start"] is JsonValue start)
            {
                return new ContinueToken(rv.GetValue<long>(), start.GetValue<string>());
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
        }

        return null;
    }
}
