using System.Reflection;
using k8s.Models;

namespace Box.K8sEventReporting.Primitives;

/// <summary>
/// Where a Kubernetes type lives on the API server (group, version, kind, plural), read from its
/// <see cref="KubernetesEntityAttribute"/>: the library's one reader of that attribute.
/// </summary>
/// <param name="Group">The API group; empty for the core group (pods, secrets, events).</param>
/// <param name="Version">The API version within the group, for example <c>v1</c>.</param>
/// <param name="Kind">The kind, for example <c>Pod</c>.</param>
/// <param name="Plural">The lowercase plural the API server's paths use, for example <c>pods</c>.</param>
public sealed record KubernetesEntityMetadata(string Group, string Version, string Kind, string Plural)
{
    /// <summary>Gets the apiVersion written on objects: <c>v1</c> for the core group, <c>group/version</c> otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Reads the metadata of <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A type carrying <see cref="KubernetesEntityAttribute"/> with ApiVersion, Kind and PluralName.</typeparam>
    /// <returns>The metadata (read once per type).</returns>
    /// <exception cref="ArgumentException">The attribute is missing or does not set ApiVersion, Kind and PluralName.</exception>
    public static KubernetesEntityMetadata Of<T>() =>
        Cached<T>.Read as KubernetesEntityMetadata ?? throw new ArgumentException((string)Cached<T>.Read, "T");

    /// <summary>Reads the metadata of <paramref name="type"/>.</summary>
    /// <param name="type">A type carrying <see cref="KubernetesEntityAttribute"/> with ApiVersion, Kind and PluralName.</param>
    /// <returns>The metadata.</returns>
    /// <exception cref="ArgumentException">The attribute is missing or does not set ApiVersion, Kind and PluralName.</exception>
    public static KubernetesEntityMetadata Of(Type type) =>
        TryOf(type, out var metadata, out var problem) ? metadata : throw new ArgumentException(problem, nameof(type));

    /// <summary>Reads the metadata of <paramref name="type"/> when it has a complete <see cref="KubernetesEntityAttribute"/>.</summary>
    /// <param name="type">Any type.</param>
    /// <param name="metadata">The metadata, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether the type carries the attribute with ApiVersion, Kind and PluralName.</returns>
    public static bool TryOf(Type type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KubernetesEntityMetadata? metadata) =>
        TryOf(type, out metadata, out _);

    /// <summary>Returns the collection path relative to the API server's base address, for one namespace or all.</summary>
    /// <param name="namespace">The namespace, or <see langword="null"/> for every namespace (or a cluster-scoped type).</param>
    /// <returns>For example <c>api/v1/namespaces/a/pods</c> or <c>apis/box.com/v1/pkis</c>.</returns>
    public string GetCollectionPath(string? @namespace)
    {
        var prefix = Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
        return @namespace is null
            ? $"{prefix}/{Plural}"
            : $"{prefix}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}";
    }

    /// <summary>Returns one object's path relative to the API server's base address.</summary>
    /// <param name="namespace">The object's namespace, or <see langword="null"/> for a cluster-scoped type.</param>
    /// <param name="name">The object's name.</param>
    /// <returns>For example <c>apis/box.com/v1/namespaces/a/pkis/web</c>.</returns>
    public string GetObjectPath(string? @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"{GetCollectionPath(@namespace)}/{Uri.EscapeDataString(name)}";
    }

    private static bool TryOf(Type type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KubernetesEntityMetadata? metadata, out string problem)
    {
        ArgumentNullException.ThrowIfNull(type);
        var read = Read(type);
        metadata = read as KubernetesEntityMetadata;
        problem = read as string ?? string.Empty;
        return metadata is not null;
    }

    // Read as metadata (CustomAttributeData, by the attribute's name), never instantiated: the same code reads a loaded
    // type and one inspected in a MetadataLoadContext at build time (the CRD generator), whatever KubernetesClient
    // version the type was compiled against.
    private static object Read(Type type)
    {
        var attribute = FindAttribute(type);
        if (attribute is null)
        {
            return $"{type.Name} has no [KubernetesEntity] attribute: add [KubernetesEntity(Group = \"...\", ApiVersion = \"v1\", Kind = \"...\", PluralName = \"...\")] to it.";
        }

        string? group = null, apiVersion = null, kind = null, plural = null;
        foreach (var argument in attribute.NamedArguments)
        {
            var value = argument.TypedValue.Value as string;
            switch (argument.MemberName)
            {
                case nameof(KubernetesEntityAttribute.Group): group = value; break;
                case nameof(KubernetesEntityAttribute.ApiVersion): apiVersion = value; break;
                case nameof(KubernetesEntityAttribute.Kind): kind = value; break;
                case nameof(KubernetesEntityAttribute.PluralName): plural = value; break;
            }
        }

        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(plural) || string.IsNullOrEmpty(kind))
        {
            return $"The [KubernetesEntity] attribute of {type.Name} must set ApiVersion, Kind and PluralName (was ApiVersion '{apiVersion}', Kind '{kind}', PluralName '{plural}').";
        }

        return new KubernetesEntityMetadata(group ?? string.Empty, apiVersion, kind, plural);
    }

    private static CustomAttributeData? FindAttribute(Type type)
    {
        const string AttributeName = "k8s.Models.KubernetesEntityAttribute";
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var data in current.GetCustomAttributesData())
            {
                if (data.AttributeType.FullName == AttributeName)
                {
                    return data;
                }
            }
        }

        return null;
    }

    private static class Cached<T>
    {
        public static readonly object Read = KubernetesEntityMetadata.Read(typeof(T));
    }
}
