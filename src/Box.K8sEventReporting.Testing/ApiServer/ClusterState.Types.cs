using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>Resource types: built-ins and CustomResourceDefinitions.</summary>
internal sealed partial class ClusterState
{
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
        Add(new ApiResource("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false, ResourceFlavor.Builtin, StoreFor("rbac.authorization.k8s.io/roles", true)));
        Add(new ApiResource("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false, ResourceFlavor.Builtin, StoreFor("rbac.authorization.k8s.io/clusterroles", false)));
        Add(new ApiResource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false, ResourceFlavor.Builtin, StoreFor("rbac.authorization.k8s.io/rolebindings", true)));
        Add(new ApiResource("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false, ResourceFlavor.Builtin, StoreFor("rbac.authorization.k8s.io/clusterrolebindings", false)));
        Add(new ApiResource("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false, false, ResourceFlavor.ValidatingWebhookConfiguration, StoreFor("admissionregistration.k8s.io/validatingwebhookconfigurations", false)) { TracksGeneration = true });
        Add(new ApiResource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true, ResourceFlavor.CustomResourceDefinition, StoreFor("apiextensions.k8s.io/customresourcedefinitions", false)) { TracksGeneration = true });
    }

    /// <summary>
    /// Validates a CRD and, unless <paramref name="dryRun"/>, registers its served versions and fills its status (called
    /// under the gate, before it is stored). A dry run is refused exactly as the write would be.
    /// </summary>
    private ApiResponse? ApplyCrd(JsonObject crd, bool dryRun = false)
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

        if (dryRun)
        {
            return null;
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
