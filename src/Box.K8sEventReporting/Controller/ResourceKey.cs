using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Controller;

/// <summary>Identifies one object by namespace and name: the unit of work of a controller's queue.</summary>
/// <param name="Namespace">The object's namespace; <see langword="null"/> for cluster-scoped objects.</param>
/// <param name="Name">The object's name.</param>
public readonly record struct ResourceKey(string? Namespace, string Name)
{
    /// <summary>Gets the key of <paramref name="resource"/>.</summary>
    /// <param name="resource">An object with metadata.</param>
    /// <returns>Its namespace and name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The object has no name.</exception>
    public static ResourceKey From(IKubernetesObject<V1ObjectMeta> resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var name = resource.Metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("The object has no metadata.name, so it has no key.", nameof(resource));
        }

        var ns = resource.Metadata!.NamespaceProperty;
        return new ResourceKey(string.IsNullOrEmpty(ns) ? null : ns, name);
    }

    /// <summary>Returns <c>namespace/name</c>, or <c>name</c> for a cluster-scoped object, as <c>kubectl</c> writes it.</summary>
    /// <returns>The key as text.</returns>
    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}
