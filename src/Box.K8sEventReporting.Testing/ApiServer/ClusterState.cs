using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

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
        RegisterCustomResourceDefinition(crd);
    }

    /// <summary>Creates a CustomResourceDefinition unless one of its name exists (idempotent); throws if the server would refuse it.</summary>
    public void RegisterCustomResourceDefinition(JsonObject crd)
    {
        var name = ObjectMutations.GetString(ObjectMutations.Meta(crd), "name") ?? string.Empty;
        var crdResource = Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        lock (Gate)
        {
            if (crdResource.Store.Objects.ContainsKey(name))
            {
                return;
            }

            PrepareNew(crdResource, crd);
            if (ApplyCrd(crd) is { } refused)
            {
                throw new InvalidOperationException($"The CustomResourceDefinition {name} is refused: {System.Text.Encoding.UTF8.GetString(refused.Body)}");
            }

            Commit(crdResource, crd, "ADDED", null);
        }
    }
}
