using System.Reflection;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>Where a Kubernetes type lives on the API server, read from its <see cref="KubernetesEntityAttribute"/>.</summary>
internal sealed record KubernetesResourceInfo(string Group, string Version, string Plural, string Kind)
{
    /// <summary>Gets the apiVersion written on objects: <c>v1</c> for the core group, <c>group/version</c> otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public static KubernetesResourceInfo For(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var attribute = type.GetCustomAttribute<KubernetesEntityAttribute>(inherit: true)
            ?? throw new ArgumentException(
                $"{type.Name} has no [KubernetesEntity] attribute: add [KubernetesEntity(Group = \"...\", ApiVersion = \"v1\", Kind = \"...\", PluralName = \"...\")] to it.",
                nameof(type));
        if (string.IsNullOrEmpty(attribute.ApiVersion) || string.IsNullOrEmpty(attribute.PluralName) || string.IsNullOrEmpty(attribute.Kind))
        {
            throw new ArgumentException(
                $"The [KubernetesEntity] attribute of {type.Name} must set ApiVersion, Kind and PluralName (was ApiVersion '{attribute.ApiVersion}', Kind '{attribute.Kind}', PluralName '{attribute.PluralName}').",
                nameof(type));
        }

        return new KubernetesResourceInfo(attribute.Group ?? string.Empty, attribute.ApiVersion, attribute.PluralName, attribute.Kind);
    }

    /// <summary>Returns the collection path relative to the API server's base address, for one namespace or all.</summary>
    /// <param name="namespace">The namespace, or <see langword="null"/> for every namespace.</param>
    /// <returns>For example <c>api/v1/namespaces/a/pods</c> or <c>apis/box.com/v1/pkis</c>.</returns>
    public string GetCollectionPath(string? @namespace)
    {
        var prefix = Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
        return @namespace is null
            ? $"{prefix}/{Plural}"
            : $"{prefix}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}";
    }
}
