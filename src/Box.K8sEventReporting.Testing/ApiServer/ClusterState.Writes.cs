using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>Writes: create, update, patch, delete, garbage collection and the commit that feeds history and watches.</summary>
internal sealed partial class ClusterState
{
    /// <summary>Creates an object; with <paramref name="mode"/> a dry run (nothing stored) or the commit of an admitted dry run.</summary>
    public ApiResponse Create(ApiResource resource, string? ns, JsonObject body, IReadOnlyDictionary<string, string> query, string? manager = null, WriteMode mode = WriteMode.Commit)
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

        if (resource.Namespaced && IsNamespaceTerminating(ns!))
        {
            return Statuses.NamespaceTerminating(resource, name, ns!);
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

                    PrepareNew(resource, body, keepIdentity: mode == WriteMode.CommitAdmitted);
                    if (resource.Flavor == ResourceFlavor.CustomResourceDefinition)
                    {
                        if (ApplyCrd(body, dryRun: mode == WriteMode.DryRun) is { } crdError)
                        {
                            return crdError;
                        }
                    }

                    StampManagedFields(resource, body, manager, statusWrite: false);
                    var stored = mode == WriteMode.DryRun ? new StoredObject(Json.Serialize(body), 0) : Commit(resource, body, "ADDED", null);
                    return WithWarnings(ApiResponse.Json(201, View(resource, stored)), warnings);
                }
            }
        }

        return InvalidResponse(resource, name, errors);
    }

    /// <summary>Updates (PUT) an object; with <paramref name="mode"/> a dry run (nothing stored) or the commit of an admitted dry run.</summary>
    public ApiResponse Update(ApiResource resource, string? ns, string name, string? subresource, JsonObject body, IReadOnlyDictionary<string, string> query, string? manager = null, WriteMode mode = WriteMode.Commit)
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
                    return Create(resource, ns, resource.Flavor == ResourceFlavor.EventsV1Event ? EventShapes.CoreToEventsV1(body) : body, query, manager, mode);
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

            return UpdateLocked(resource, existing, body, subresource, query, manager, mode == WriteMode.DryRun);
        }
    }

    /// <summary>Patches an object; with <paramref name="dryRun"/> nothing is stored.</summary>
    public ApiResponse Patch(ApiResource resource, string? ns, string name, string? subresource, string contentType, byte[] body, IReadOnlyDictionary<string, string> query, string? manager = null, bool dryRun = false)
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

            if (MicroTimeFields.FindDecodeError(resource, patched) is { } decodeError)
            {
                // The patched object does not decode: the real server names the whole patched object as the invalid "patch".
                return Statuses.Invalid(string.Empty, null, string.Empty, string.Empty, [FieldError.Invalid("patch", patched.ToJsonString(Json.Options), decodeError)]);
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
            return UpdateLocked(resource, existing, patched, subresource, query, manager, dryRun);
        }
    }

    private ApiResponse UpdateLocked(ApiResource resource, StoredObject existing, JsonObject incoming, string? subresource, IReadOnlyDictionary<string, string> query, string? manager, bool dryRun)
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

            if (resource.Flavor == ResourceFlavor.Namespace)
            {
                LabelNamespace(next);
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

        // The last finalizer gone: the object goes away now (its dependents are the collector's).
        var removed = existing.IsBeingDeleted && next["metadata"]?["finalizers"] is not JsonArray { Count: > 0 };
        if (!removed)
        {
            ObjectMutations.Meta(next).Remove("managedFields");
            if (old["metadata"]?["managedFields"] is JsonArray previousFields)
            {
                ObjectMutations.Meta(next)["managedFields"] = previousFields.DeepClone();
            }

            StampManagedFields(resource, next, manager, statusWrite: subresource == "status");
        }

        var stored = dryRun ? new StoredObject(Json.Serialize(next), existing.ResourceVersion) : Commit(resource, next, removed ? "DELETED" : "MODIFIED", existing);
        return WithWarnings(ApiResponse.Json(200, View(resource, stored)), warnings);
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
                return TerminateNamespaceLocked(resource, existing);
            }

            if (resource.Flavor == ResourceFlavor.Pod && policy == "Background" && !existing.HasFinalizers)
            {
                return DeletePodGracefullyLocked(resource, existing, options, query);
            }

            if (existing.IsBeingDeleted)
            {
                return ApiResponse.Json(200, View(resource, existing));
            }

            if (policy is "Foreground" or "Orphan" || existing.HasFinalizers)
            {
                // Marked, not removed: the collector (or whoever owns the finalizers) finishes the deletion.
                return MarkForDeletionLocked(resource, existing, policy);
            }

            var deleted = Commit(resource, Json.ToNode(existing.Json), "DELETED", existing);
            if (resource.Flavor == ResourceFlavor.CustomResourceDefinition)
            {
                RemoveCrd(Json.ToNode(existing.Json));
            }

            return resource.ReturnsObjectOnDelete ? ApiResponse.Json(200, View(resource, deleted)) : Statuses.Success(resource, name, existing.Uid);
        }
    }

    /// <summary>
    /// A pod's graceful deletion, as the real server does it (transcripts 21f, 21g): the pod is first updated with deletionTimestamp (now plus the
    /// grace period) and deletionGracePeriodSeconds, a MODIFIED event; a pod no node runs (no spec.nodeName) or one that
    /// has finished gets a grace period of 0 and is then removed at once, a DELETED event. A pod on a node waits for its
    /// kubelet, which no in-process cluster has: a later delete with gracePeriodSeconds=0 removes it.
    /// </summary>
    private ApiResponse DeletePodGracefullyLocked(ApiResource resource, StoredObject existing, JsonObject? options, IReadOnlyDictionary<string, string> query)
    {
        var pod = Json.ToNode(existing.Json);
        var grace = options?["gracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var fromBody) ? fromBody
            : long.TryParse(query.GetValueOrDefault("gracePeriodSeconds"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fromQuery) ? fromQuery
            : pod["spec"]?["terminationGracePeriodSeconds"] is JsonValue t && t.TryGetValue<long>(out var fromSpec) ? fromSpec
            : 30;
        var phase = ObjectMutations.GetString(pod["status"] as JsonObject, "phase");
        if (string.IsNullOrEmpty(ObjectMutations.GetString(pod["spec"] as JsonObject, "nodeName")) || phase is "Succeeded" or "Failed")
        {
            grace = 0;
        }

        if (existing.IsBeingDeleted && grace > 0)
        {
            // Already terminating: only a shorter grace period changes anything, and the kubelet is the one to act on it.
            return ApiResponse.Json(200, View(resource, existing));
        }

        var meta = ObjectMutations.Meta(pod);
        meta["deletionTimestamp"] = timeProvider.GetUtcNow().AddSeconds(grace).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        meta["deletionGracePeriodSeconds"] = grace;
        var marked = Commit(resource, pod, "MODIFIED", existing);
        if (grace > 0)
        {
            return ApiResponse.Json(200, View(resource, marked));
        }

        var deleted = Commit(resource, Json.ToNode(marked.Json), "DELETED", marked);
        return ApiResponse.Json(200, View(resource, deleted));
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

    /// <summary>The collector's step for a gone (or orphaning) owner: its dependents are deleted, or lose the reference when orphaned or owned by another live owner.</summary>
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

            var resource = ResourceOf(store);
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
                Delete(resource, NamespaceOrNull(dependent), dependent.Name, null, new Dictionary<string, string>());
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

        NotifyCollector(type, stored);
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

    private static ApiResponse WithWarnings(ApiResponse response, List<string> warnings)
    {
        var headers = new WarningHeaders();
        headers.AddRange(warnings);
        return headers.ApplyTo(response);
    }

    /// <summary>Fills the server-set fields of a new object; <paramref name="keepIdentity"/> keeps the uid and creationTimestamp an admitted dry run gave it.</summary>
    private void PrepareNew(ApiResource resource, JsonObject obj, bool keepIdentity = false)
    {
        obj["apiVersion"] = resource.Flavor is ResourceFlavor.EventsV1Event or ResourceFlavor.CoreEvent ? "v1" : resource.GroupVersion;
        obj["kind"] = resource.Kind;
        var meta = ObjectMutations.Meta(obj);
        if (!keepIdentity || ObjectMutations.GetString(meta, "uid") is not { Length: > 0 } || ObjectMutations.GetString(meta, "creationTimestamp") is not { Length: > 0 })
        {
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Now();
        }

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
                LabelNamespace(obj);
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

    /// <summary>As the real namespace defaulting: the label <c>kubernetes.io/metadata.name</c> always holds the namespace's name.</summary>
    private static void LabelNamespace(JsonObject ns)
    {
        var meta = ObjectMutations.Meta(ns);
        if (ObjectMutations.GetString(meta, "name") is { Length: > 0 } name)
        {
            if (meta["labels"] is not JsonObject labels)
            {
                meta["labels"] = labels = [];
            }

            labels["kubernetes.io/metadata.name"] = name;
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
        if (MetadataValidator.Validate(obj) is { Count: > 0 } metadataErrors)
        {
            return metadataErrors;
        }

        switch (resource.Flavor)
        {
            case ResourceFlavor.CoreEvent:
                return EventShapes.Validate(obj, ns, viaEventsV1: false);
            case ResourceFlavor.EventsV1Event:
                return EventShapes.Validate(obj, ns, viaEventsV1: true);
            case ResourceFlavor.ValidatingWebhookConfiguration:
                return WebhookConfigurations.DefaultAndValidate(obj);
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
                return WorkloadValidator.Validate(resource, obj);
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

    /// <summary>
    /// Records the writer in metadata.managedFields like the real server does for non-apply writes: one entry per manager
    /// and subresource, operation Update, the fields the object has. Ownership is not taken away from other managers.
    /// </summary>
    private void StampManagedFields(ApiResource resource, JsonObject obj, string? manager, bool statusWrite)
    {
        if (manager is null || !options.WriteManagedFields)
        {
            return;
        }

        var fields = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" || (resource.HasStatus && (key == "status") != statusWrite))
            {
                continue;
            }

            if (key == "metadata")
            {
                var meta = new JsonObject();
                foreach (var kept in new[] { "labels", "annotations", "ownerReferences", "finalizers" })
                {
                    if (value?[kept] is JsonNode node)
                    {
                        meta["f:" + kept] = FieldSet(node);
                    }
                }

                if (meta.Count > 0)
                {
                    fields["f:metadata"] = meta;
                }

                continue;
            }

            fields["f:" + key] = FieldSet(value);
        }

        var entry = new JsonObject
        {
            ["apiVersion"] = resource.GroupVersion,
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields,
            ["manager"] = manager,
            ["operation"] = "Update",
        };
        if (statusWrite)
        {
            entry["subresource"] = "status";
        }

        entry["time"] = Now();
        var metadata = ObjectMutations.Meta(obj);
        var entries = metadata["managedFields"] as JsonArray ?? [];
        var subresource = statusWrite ? "status" : null;
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            if (ObjectMutations.GetString(entries[i] as JsonObject, "manager") == manager
                && ObjectMutations.GetString(entries[i] as JsonObject, "operation") == "Update"
                && ObjectMutations.GetString(entries[i] as JsonObject, "subresource") == subresource)
            {
                entries.RemoveAt(i);
            }
        }

        entries.Add(entry);

        // The real server keeps the entries sorted: by operation, then time (to the second), manager and subresource.
        var sorted = entries.Select(e => e!.DeepClone()).OrderBy(e => ObjectMutations.GetString(e as JsonObject, "operation"), StringComparer.Ordinal)
            .ThenBy(e => ObjectMutations.GetString(e as JsonObject, "time"), StringComparer.Ordinal)
            .ThenBy(e => ObjectMutations.GetString(e as JsonObject, "manager"), StringComparer.Ordinal)
            .ThenBy(e => ObjectMutations.GetString(e as JsonObject, "subresource") ?? string.Empty, StringComparer.Ordinal)
            .ToArray();
        metadata["managedFields"] = new JsonArray(sorted);
    }

    private static JsonObject FieldSet(JsonNode? value)
    {
        var set = new JsonObject();
        if (value is JsonObject o && o.Count > 0)
        {
            set["."] = new JsonObject();
            foreach (var (key, child) in o)
            {
                set["f:" + key] = FieldSet(child);
            }
        }

        return set;
    }
}
