using System.Collections.ObjectModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using k8s.Models;

namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// The OpenAPI v3 schema of a type, as the KubernetesClient serializer (System.Text.Json, camelCase, enums as names)
/// writes it: one property per public property, sorted by name so that the output does not depend on reflection order.
/// Works on metadata only (type and attribute names), so it reads build output in a <c>MetadataLoadContext</c> too.
/// </summary>
internal sealed class Schemas
{
    private const string QuantityPattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    private readonly XmlDocumentation documentation;
    private readonly HashSet<Type> expanding = [];

    public Schemas(XmlDocumentation documentation) => this.documentation = documentation;

    /// <summary>The root schema of a resource: every property but <c>apiVersion</c>, <c>kind</c> and <c>metadata</c>, which the API server owns.</summary>
    public V1JSONSchemaProps Root(Type resourceType)
    {
        var schema = ObjectSchema(resourceType, name => name is not ("apiVersion" or "kind" or "metadata"));
        schema.Description = Describe(resourceType);
        return schema;
    }

    /// <summary>The properties the serializer writes, keyed by their JSON names.</summary>
    public static IEnumerable<(string Name, PropertyInfo Property)> JsonProperties(Type type)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is not { IsPublic: true } || IsIgnored(property)
                || Attributes.Has(property, Attributes.Json + "JsonExtensionDataAttribute"))
            {
                continue;
            }

            var name = Attributes.Find(property, Attributes.Json + "JsonPropertyNameAttribute") is { } named && Attributes.Argument(named, 0) is string given
                ? given
                : JsonNamingPolicy.CamelCase.ConvertName(property.Name);

            // A property hidden with 'new' is listed with the one that hides it, which comes first.
            if (names.Add(name))
            {
                yield return (name, property);
            }
        }
    }

    internal static string EnumName(Type enumType, object value)
    {
        foreach (var field in enumType.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (Equals(Convert.ToInt64(field.GetRawConstantValue(), CultureInfo.InvariantCulture), Convert.ToInt64(value, CultureInfo.InvariantCulture)))
            {
                return EnumMemberName(field);
            }
        }

        return Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
    }

    private static string EnumMemberName(FieldInfo field) =>
        Attributes.Find(field, Attributes.Json + "JsonStringEnumMemberNameAttribute") is { } named && Attributes.Argument(named, 0) is string name ? name : field.Name;

    private static bool IsIgnored(PropertyInfo property)
    {
        if (Attributes.Find(property, Attributes.Json + "JsonIgnoreAttribute") is not { } ignore)
        {
            return false;
        }

        // JsonIgnoreCondition: Never = 0, Always = 1 (the default), WhenWritingDefault = 2, WhenWritingNull = 3.
        return Attributes.Named(ignore, "Condition") is not int condition || condition == 1;
    }

    private V1JSONSchemaProps ObjectSchema(Type type, Func<string, bool> include)
    {
        if (!expanding.Add(type))
        {
            // A type that contains itself: no schema can spell that out (there is no $ref in a CRD), so keep what comes.
            return new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true };
        }

        try
        {
            var properties = new SortedDictionary<string, V1JSONSchemaProps>(StringComparer.Ordinal);
            var required = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (name, property) in JsonProperties(type))
            {
                if (!include(name))
                {
                    continue;
                }

                var isRequired = IsRequired(property);
                properties[name] = PropertySchema(property, isRequired);
                if (isRequired)
                {
                    required.Add(name);
                }
            }

            var schema = new V1JSONSchemaProps
            {
                Type = "object",
                Properties = properties.Count > 0 ? properties : null,
                Required = required.Count > 0 ? required.ToList() : null,
            };
            if (Attributes.Has(type, Attributes.Own + "PreserveUnknownFieldsAttribute")
                || type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => Attributes.Has(p, Attributes.Json + "JsonExtensionDataAttribute")))
            {
                schema.XKubernetesPreserveUnknownFields = true;
            }

            AddCelRules(type, schema);
            return schema;
        }
        finally
        {
            expanding.Remove(type);
        }
    }

    private static bool IsRequired(PropertyInfo property) =>
        Attributes.Has(property, Attributes.DataAnnotations + "RequiredAttribute")
        || Attributes.Has(property, Attributes.Json + "JsonRequiredAttribute")
        || Attributes.Has(property, "System.Runtime.CompilerServices.RequiredMemberAttribute");

    private V1JSONSchemaProps PropertySchema(PropertyInfo property, bool required)
    {
        var schema = TypeSchema(property.PropertyType);
        var description = Attributes.Find(property, Attributes.ComponentModel + "DescriptionAttribute") is { } d ? Attributes.Argument(d, 0) as string : documentation.Of(property);
        if (!string.IsNullOrWhiteSpace(description))
        {
            schema.Description = description;
        }

        if (!required && IsNullable(property))
        {
            schema.Nullable = true;
        }

        if (Attributes.Has(property, Attributes.Own + "PreserveUnknownFieldsAttribute"))
        {
            schema.XKubernetesPreserveUnknownFields = true;
        }

        if (Attributes.Find(property, Attributes.Own + "ListTypeAttribute") is { } listType)
        {
            ApplyListType(property, schema, listType);
        }

        DataAnnotations.Apply(property, schema);
        AddCelRules(property, schema);
        return schema;
    }

    private static void ApplyListType(PropertyInfo property, V1JSONSchemaProps schema, CustomAttributeData listType)
    {
        if (schema.Type != "array")
        {
            throw new InvalidOperationException($"{Where(property)}: [ListType] is for lists, and {property.PropertyType.Name} is not one.");
        }

        var type = Convert.ToInt32(Attributes.Argument(listType, 0), CultureInfo.InvariantCulture) switch
        {
            0 => "atomic",
            1 => "set",
            _ => "map",
        };
        schema.XKubernetesListType = type;
        var keys = Attributes.Strings(Attributes.Argument(listType, 1));
        if (type != "map")
        {
            return;
        }

        var item = (V1JSONSchemaProps)schema.Items;
        var missing = keys.Where(k => item.Required?.Contains(k) != true).ToList();
        if (keys.Count == 0 || missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{Where(property)}: a list of type map needs map keys, each a required field of its items (mark it [Required]); "
                + (keys.Count == 0 ? "none given." : $"not required: {string.Join(", ", missing)}."));
        }

        schema.XKubernetesListMapKeys = keys;
    }

    private static void AddCelRules(MemberInfo member, V1JSONSchemaProps schema)
    {
        foreach (var rule in Attributes.All(member, Attributes.Own + "CelValidationAttribute"))
        {
            schema.XKubernetesValidations ??= [];
            schema.XKubernetesValidations.Add(new V1ValidationRule
            {
                Rule = (string)Attributes.Argument(rule, 0)!,
                Message = Attributes.NamedString(rule, "Message"),
                MessageExpression = Attributes.NamedString(rule, "MessageExpression"),
                Reason = Attributes.NamedString(rule, "Reason"),
                FieldPath = Attributes.NamedString(rule, "FieldPath"),
            });
        }
    }

    internal static string Where(PropertyInfo property) => $"{property.DeclaringType?.FullName}.{property.Name}";

    private string? Describe(Type type) =>
        Attributes.Find(type, Attributes.ComponentModel + "DescriptionAttribute") is { } d ? Attributes.Argument(d, 0) as string : documentation.Of(type);

    private V1JSONSchemaProps TypeSchema(Type type)
    {
        type = NullableUnderlying(type) ?? type;
        if (Scalar(type) is { } scalar)
        {
            return scalar;
        }

        if (type.IsEnum)
        {
            return new V1JSONSchemaProps
            {
                Type = "string",
                EnumProperty = type.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (object)EnumMemberName(f)).ToList(),
                Description = Describe(type),
            };
        }

        switch (type.FullName)
        {
            case "System.Object" or "System.Text.Json.JsonElement" or "System.Text.Json.Nodes.JsonNode" or "System.Text.Json.Nodes.JsonValue":
                return new V1JSONSchemaProps { XKubernetesPreserveUnknownFields = true };
            case "System.Text.Json.Nodes.JsonObject":
                return new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true };
            case "System.Text.Json.Nodes.JsonArray":
                return new V1JSONSchemaProps { Type = "array", Items = new V1JSONSchemaProps { XKubernetesPreserveUnknownFields = true } };
            case "k8s.Models.IntOrString":
                return IntOrString();
            case "k8s.Models.ResourceQuantity":
                var quantity = IntOrString();
                quantity.Pattern = QuantityPattern;
                return quantity;
            case "k8s.Models.V1Condition":
                return WellKnown.Condition();
            case "k8s.Models.V1ObjectMeta":
                // Object metadata inside a spec (a template): kept whole rather than described field by field.
                return new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true };
        }

        if (DictionaryValue(type) is { } value)
        {
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = TypeSchema(value) };
        }

        if (Element(type) is { } element)
        {
            return new V1JSONSchemaProps { Type = "array", Items = TypeSchema(element) };
        }

        if (type.IsPrimitive || type.IsPointer || type.IsGenericParameter)
        {
            throw new NotSupportedException($"{type.FullName} has no JSON schema this generator knows; use a class, a collection, a dictionary with string keys, or a JsonElement.");
        }

        var schema = ObjectSchema(type, _ => true);
        if (type.Namespace != "k8s.Models")
        {
            schema.Description = Describe(type);
        }

        return schema;
    }

    private static V1JSONSchemaProps IntOrString() => new()
    {
        XKubernetesIntOrString = true,
        AnyOf = [new V1JSONSchemaProps { Type = "integer" }, new V1JSONSchemaProps { Type = "string" }],
    };

    private static V1JSONSchemaProps? Scalar(Type type) => type.FullName switch
    {
        "System.String" or "System.Char" or "System.TimeSpan" or "System.TimeOnly" or "System.Uri" => new() { Type = "string" },
        "System.Boolean" => new() { Type = "boolean" },
        "System.Byte" or "System.SByte" or "System.Int16" or "System.UInt16" or "System.Int32" => new() { Type = "integer", Format = "int32" },
        "System.UInt32" or "System.Int64" or "System.UInt64" => new() { Type = "integer", Format = "int64" },
        "System.Single" => new() { Type = "number", Format = "float" },
        "System.Double" => new() { Type = "number", Format = "double" },
        "System.Decimal" => new() { Type = "number" },
        "System.DateTime" or "System.DateTimeOffset" => new() { Type = "string", Format = "date-time" },
        "System.DateOnly" => new() { Type = "string", Format = "date" },
        "System.Guid" => new() { Type = "string", Format = "uuid" },
        "System.Byte[]" => new() { Type = "string", Format = "byte" },
        _ => null,
    };

    internal static Type? NullableUnderlying(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0] : null;

    private static Type[] SelfAndInterfaces(Type type) => type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces();

    private static Type? DictionaryValue(Type type)
    {
        foreach (var candidate in SelfAndInterfaces(type))
        {
            if (candidate.IsGenericType
                && candidate.GetGenericTypeDefinition().FullName is "System.Collections.Generic.IDictionary`2" or "System.Collections.Generic.IReadOnlyDictionary`2")
            {
                var arguments = candidate.GetGenericArguments();
                return arguments[0].FullName == "System.String"
                    ? arguments[1]
                    : throw new NotSupportedException($"{type.FullName}: a map in a Kubernetes object has string keys.");
            }
        }

        return null;
    }

    private static Type? Element(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        foreach (var candidate in SelfAndInterfaces(type))
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition().FullName == "System.Collections.Generic.IEnumerable`1")
            {
                return candidate.GetGenericArguments()[0];
            }
        }

        return null;
    }

    /// <summary>
    /// Whether the property may hold null: a <see cref="Nullable{T}"/>, or a reference type annotated <c>?</c> (read from
    /// the compiler's NullableAttribute and NullableContextAttribute; an assembly without nullable annotations says no).
    /// </summary>
    internal static bool IsNullable(PropertyInfo property)
    {
        var type = property.PropertyType;
        if (type.IsValueType)
        {
            return NullableUnderlying(type) is not null;
        }

        if (Attributes.Find(property, "System.Runtime.CompilerServices.NullableAttribute") is { } nullable)
        {
            return Flag(Attributes.Argument(nullable, 0)) == 2;
        }

        for (MemberInfo? member = property; member is not null; member = member.DeclaringType)
        {
            if (Attributes.Find(member, "System.Runtime.CompilerServices.NullableContextAttribute") is { } context)
            {
                return Flag(Attributes.Argument(context, 0)) == 2;
            }
        }

        return false;
    }

    private static byte Flag(object? value) => value switch
    {
        byte b => b,
        ReadOnlyCollection<CustomAttributeTypedArgument> { Count: > 0 } flags when flags[0].Value is byte first => first,
        _ => 0,
    };
}
