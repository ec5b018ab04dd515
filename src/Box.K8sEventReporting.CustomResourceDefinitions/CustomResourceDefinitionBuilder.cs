using System.Globalization;
using System.Text.RegularExpressions;
using Box.K8sEventReporting.Primitives;
using k8s.Models;

namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// Builds the <c>CustomResourceDefinition</c> (apiextensions.k8s.io/v1) of a custom resource type: the one place its
/// schema, status subresource, printer columns, names and validation come from.
/// </summary>
/// <remarks>
/// <para>The type needs <c>[KubernetesEntity]</c> with a group (<c>Group</c>, <c>ApiVersion</c>, <c>Kind</c>,
/// <c>PluralName</c>). Its properties but <c>apiVersion</c>, <c>kind</c> and <c>metadata</c> make the schema, named as the
/// KubernetesClient serializer names them; a <c>status</c> property makes the status subresource.</para>
/// <para>Descriptions (<c>kubectl explain</c>) come from <c>[Description]</c> or from the <c>&lt;summary&gt;</c> in the
/// XML documentation files beside the type's assembly (<c>GenerateDocumentationFile</c>). The output is deterministic:
/// properties sorted by name, printer columns in attribute order.</para>
/// </remarks>
public static partial class CustomResourceDefinitionBuilder
{
    /// <summary>Builds the CustomResourceDefinition of <typeparamref name="TResource"/>.</summary>
    /// <typeparam name="TResource">A class marked <c>[KubernetesEntity]</c> with a group.</typeparam>
    /// <returns>A new CustomResourceDefinition with one version, served and stored.</returns>
    /// <exception cref="ArgumentException">The type is not a custom resource.</exception>
    /// <exception cref="InvalidOperationException">An attribute on the type cannot be expressed in a CRD (the message names it).</exception>
    public static V1CustomResourceDefinition Build<TResource>() => Build(typeof(TResource));

    /// <summary>Builds the CustomResourceDefinition of <paramref name="resourceType"/>.</summary>
    /// <param name="resourceType">A class marked <c>[KubernetesEntity]</c> with a group.</param>
    /// <returns>A new CustomResourceDefinition with one version, served and stored.</returns>
    /// <exception cref="ArgumentException">The type is not a custom resource.</exception>
    /// <exception cref="InvalidOperationException">An attribute on the type cannot be expressed in a CRD (the message names it).</exception>
    public static V1CustomResourceDefinition Build(Type resourceType)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        return Build(resourceType, XmlDocumentation.For(resourceType.Assembly));
    }

    /// <summary>Whether the type is a custom resource this builder serves: <c>[KubernetesEntity]</c> with a group, not a KubernetesClient model.</summary>
    internal static bool IsCustomResource(Type type) =>
        type is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false }
        && type.Namespace != "k8s.Models"
        && KubernetesEntityMetadata.TryOf(type, out var entity)
        && entity.Group.Length > 0;

    internal static V1CustomResourceDefinition Build(Type resourceType, XmlDocumentation documentation)
    {
        var (group, version, kind, plural) = KubernetesEntityMetadata.Of(resourceType);
        if (string.IsNullOrEmpty(group))
        {
            throw new ArgumentException($"{resourceType.FullName}: [KubernetesEntity] has no Group; a custom resource has a group such as example.com (the core group is the API server's own).", nameof(resourceType));
        }

        if (!group.Contains('.', StringComparison.Ordinal) || !DnsSubdomain().IsMatch(group))
        {
            throw new ArgumentException($"{resourceType.FullName}: the group '{group}' must be a DNS subdomain with at least one dot (for example example.com).", nameof(resourceType));
        }

        if (!DnsLabel().IsMatch(plural))
        {
            throw new ArgumentException($"{resourceType.FullName}: the plural '{plural}' must be a lowercase DNS label.", nameof(resourceType));
        }

        var schema = new Schemas(documentation).Root(resourceType);
        var hasStatus = Schemas.JsonProperties(resourceType).Any(p => p.Name == "status");
        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = plural + "." + group },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = group,
                Scope = Attributes.Has(resourceType, Attributes.Own + "ClusterScopedAttribute") ? "Cluster" : "Namespaced",
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = kind,
                    ListKind = kind + "List",
                    Plural = plural,
                    Singular = Lower(kind),
                    ShortNames = Names(resourceType, "ShortNamesAttribute"),
                    Categories = Names(resourceType, "CategoriesAttribute"),
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = version,
                        Served = true,
                        Storage = true,
                        Subresources = hasStatus ? new V1CustomResourceSubresources { Status = new object() } : null,
                        AdditionalPrinterColumns = PrinterColumns(resourceType),
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = schema },
                    },
                ],
            },
        };
    }

    private static string Lower(string kind) => kind.ToLower(CultureInfo.InvariantCulture);

    private static List<string>? Names(Type type, string attribute) =>
        Attributes.Find(type, Attributes.Own + attribute) is { } names && Attributes.Strings(Attributes.Argument(names, 0)) is { Count: > 0 } list ? list : null;

    private static List<V1CustomResourceColumnDefinition>? PrinterColumns(Type type)
    {
        var columns = Attributes.All(type, Attributes.Own + "PrinterColumnAttribute").Select(a => new V1CustomResourceColumnDefinition
        {
            Name = (string)Attributes.Argument(a, 0)!,
            JsonPath = (string)Attributes.Argument(a, 1)!,
            Type = Attributes.Named(a, "Type") is int t ? ColumnType(t) : "string",
            Format = Attributes.NamedString(a, "Format"),
            Description = Attributes.NamedString(a, "Description"),
            Priority = Attributes.Named(a, "Priority") is int p and not 0 ? p : null,
        }).ToList();
        if (columns.Count == 0)
        {
            return null;
        }

        if (!columns.Any(c => c.JsonPath == ".metadata.creationTimestamp"))
        {
            columns.Add(new V1CustomResourceColumnDefinition { Name = "Age", Type = "date", JsonPath = ".metadata.creationTimestamp" });
        }

        return columns;
    }

    private static string ColumnType(int type) => type switch
    {
        1 => "integer",
        2 => "number",
        3 => "boolean",
        4 => "date",
        _ => "string",
    };

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();
}
