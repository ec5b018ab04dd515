using Box.K8sEventReporting.Primitives;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Builds the <see cref="V1ObjectReference"/> an Event names as its involved object.</summary>
internal static class ObjectReferences
{
    /// <summary>Creates a reference to <paramref name="resource"/> with kind, apiVersion, namespace, name, uid and resourceVersion.</summary>
    /// <typeparam name="T">The object's type.</typeparam>
    /// <param name="resource">The object; when its kind or apiVersion is missing (list items), the type's <see cref="KubernetesEntityAttribute"/> fills them in.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentException">The object has no metadata.name, or its kind cannot be determined.</exception>
    public static V1ObjectReference Create<T>(T resource)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(resource);
        var metadata = resource.Metadata ?? throw new ArgumentException("The object has no metadata.", nameof(resource));
        if (string.IsNullOrEmpty(metadata.Name))
        {
            throw new ArgumentException("The object has no metadata.name.", nameof(resource));
        }

        var kind = resource.Kind;
        var apiVersion = resource.ApiVersion;
        if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(apiVersion))
        {
            if (KubernetesEntityMetadata.TryOf(resource.GetType(), out var entity))
            {
                kind = string.IsNullOrEmpty(kind) ? entity.Kind : kind;
                apiVersion = string.IsNullOrEmpty(apiVersion) ? entity.ApiVersion : apiVersion;
            }
        }

        if (string.IsNullOrEmpty(kind))
        {
            throw new ArgumentException($"The kind of {metadata.NamespaceProperty}/{metadata.Name} is unknown: set its kind or put [KubernetesEntity] on {resource.GetType().Name}.", nameof(resource));
        }

        return new V1ObjectReference
        {
            Kind = kind,
            ApiVersion = apiVersion,
            NamespaceProperty = metadata.NamespaceProperty,
            Name = metadata.Name,
            Uid = metadata.Uid,
            ResourceVersion = metadata.ResourceVersion,
        };
    }
}
