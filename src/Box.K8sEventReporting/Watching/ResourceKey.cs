using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// Identifies one object by namespace and name: the key of a watcher's cache and the unit of work of a controller's queue.
/// </summary>
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

        return Of(resource.Metadata!.NamespaceProperty, name);
    }

    /// <summary>Returns <c>namespace/name</c>, or <c>name</c> for a cluster-scoped object, as <c>kubectl</c> writes it.</summary>
    /// <returns>The key as text.</returns>
    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";

    /// <summary>Builds a key, normalising an empty namespace to <see langword="null"/> (cluster-scoped).</summary>
    internal static ResourceKey Of(string? @namespace, string name) => new(string.IsNullOrEmpty(@namespace) ? null : @namespace, name);

    /// <summary>Gets the namespace as the cache indexes it: <see cref="string.Empty"/> for cluster-scoped objects.</summary>
    internal string NamespaceOrEmpty => Namespace ?? string.Empty;
}
