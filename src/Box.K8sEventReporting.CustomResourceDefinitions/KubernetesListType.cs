namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>The values of <c>x-kubernetes-list-type</c>.</summary>
public enum KubernetesListType
{
    /// <summary><c>atomic</c>: the list is replaced as a whole.</summary>
    Atomic,

    /// <summary><c>set</c>: scalar items, each at most once.</summary>
    Set,

    /// <summary><c>map</c>: object items, identified by their map keys, each at most once.</summary>
    Map,
}
