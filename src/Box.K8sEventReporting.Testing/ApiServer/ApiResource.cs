using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>How a resource type behaves where real Kubernetes types differ.</summary>
internal enum ResourceFlavor
{
    /// <summary>A built-in type with no special rules.</summary>
    Builtin,

    /// <summary>core/v1 Pod: status starts Pending.</summary>
    Pod,

    /// <summary>core/v1 Secret: stringData folds into data.</summary>
    Secret,

    /// <summary>A custom resource: strict update rules, alphabetical keys, no strategic merge patch.</summary>
    Custom,

    /// <summary>core/v1 Event (stored form).</summary>
    CoreEvent,

    /// <summary>events.k8s.io/v1 Event: a converted view over the core/v1 storage.</summary>
    EventsV1Event,

    /// <summary>core/v1 Namespace.</summary>
    Namespace,

    /// <summary>apiextensions.k8s.io/v1 CustomResourceDefinition: creating one registers a type.</summary>
    CustomResourceDefinition,

    /// <summary>admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration: defaulted and validated; its webhooks are called on writes.</summary>
    ValidatingWebhookConfiguration,
}

/// <summary>How a write is carried out.</summary>
internal enum WriteMode
{
    /// <summary>Stored.</summary>
    Commit,

    /// <summary>Checked and answered as if stored, but nothing changes (<c>dryRun=All</c>, and the object admission webhooks see).</summary>
    DryRun,

    /// <summary>Stored after admission approved its dry run: the uid and creationTimestamp the webhooks saw are kept.</summary>
    CommitAdmitted,
}

/// <summary>One served endpoint (group, version, plural) and its rules; several may share one <see cref="ResourceStore"/>.</summary>
internal sealed class ApiResource
{
    private static readonly HashSet<string> MetadataFieldLabels = new(StringComparer.Ordinal) { "metadata.name", "metadata.namespace" };

    public ApiResource(string group, string version, string plural, string kind, bool namespaced, bool hasStatus, ResourceFlavor flavor, ResourceStore store)
    {
        Group = group;
        Version = version;
        Plural = plural;
        Kind = kind;
        Namespaced = namespaced;
        HasStatus = hasStatus;
        Flavor = flavor;
        Store = store;
        GroupVersion = group.Length == 0 ? version : group + "/" + version;
        QualifiedResource = group.Length == 0 ? plural : plural + "." + group;
        QualifiedKind = group.Length == 0 ? kind : kind + "." + group;
        FieldLabels = MetadataFieldLabels;
    }

    public string Group { get; }

    public string Version { get; }

    public string Plural { get; }

    public string Kind { get; }

    public string ListKind => Kind + "List";

    public bool Namespaced { get; }

    public bool HasStatus { get; }

    public ResourceFlavor Flavor { get; }

    public ResourceStore Store { get; }

    public string GroupVersion { get; }

    /// <summary><c>pkis.box.com</c>, or <c>pods</c> for the core group.</summary>
    public string QualifiedResource { get; }

    /// <summary><c>Pki.box.com</c>, or <c>Pod</c> for the core group.</summary>
    public string QualifiedKind { get; }

    public bool IsCustom => Flavor == ResourceFlavor.Custom;

    /// <summary>metadata.generation is kept (starts at 1, bumped on spec changes).</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>PUT needs metadata.resourceVersion (custom resources, leases: transcripts 07d, 16l).</summary>
    public bool RequiresResourceVersionOnUpdate { get; init; }

    /// <summary>PUT of a missing object creates it (events).</summary>
    public bool AllowCreateOnUpdate { get; init; }

    /// <summary>DELETE answers with the object rather than a Success Status (pods, namespaces).</summary>
    public bool ReturnsObjectOnDelete { get; init; }

    /// <summary>Fields a fieldSelector may name.</summary>
    public IReadOnlySet<string> FieldLabels { get; init; }

    /// <summary>The CRD's openAPIV3Schema for this version, when known.</summary>
    public JsonObject? Schema { get; set; }

    public static IReadOnlySet<string> Labels(params string[] extra)
    {
        var set = new HashSet<string>(MetadataFieldLabels, StringComparer.Ordinal);
        foreach (var e in extra)
        {
            set.Add(e);
        }

        return set;
    }
}
