using System.Reflection;
using k8s.Models;

namespace Box.K8sEventReporting.Hosting;

/// <summary>The kind and apiVersion of a type, from its <see cref="KubernetesEntityAttribute"/>.</summary>
internal readonly record struct KubernetesEntity(string Kind, string ApiVersion)
{
    public static KubernetesEntity Of<T>()
    {
        var attribute = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException(
                $"{typeof(T).Name} has no [KubernetesEntity] attribute; add one with its Group, ApiVersion, Kind and PluralName.");
        var apiVersion = string.IsNullOrEmpty(attribute.Group) ? attribute.ApiVersion : $"{attribute.Group}/{attribute.ApiVersion}";
        return new KubernetesEntity(attribute.Kind, apiVersion);
    }
}
