namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// How the API server merges and validates a list (<c>x-kubernetes-list-type</c>, and for <see cref="KubernetesListType.Map"/>
/// <c>x-kubernetes-list-map-keys</c>): for example status conditions, one per <c>type</c>.
/// </summary>
/// <example><code>[ListType(KubernetesListType.Map, "type")]</code></example>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class ListTypeAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="ListTypeAttribute"/> class.</summary>
    /// <param name="type">The list type.</param>
    /// <param name="mapKeys">For <see cref="KubernetesListType.Map"/>: the item fields that identify an item; each must be required.</param>
    public ListTypeAttribute(KubernetesListType type, params string[] mapKeys)
    {
        Type = type;
        MapKeys = mapKeys ?? [];
    }

    /// <summary>Gets the list type.</summary>
    public KubernetesListType Type { get; }

    /// <summary>Gets the map keys (for <see cref="KubernetesListType.Map"/>).</summary>
    public IReadOnlyList<string> MapKeys { get; }
}
