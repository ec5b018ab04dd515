using System.Collections.ObjectModel;
using System.Globalization;
using System.Reflection;
using k8s.Models;

namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// The <c>System.ComponentModel.DataAnnotations</c> (and <c>DefaultValue</c>) attributes the API server can check itself,
/// written into a property's schema: ranges, lengths, item counts, patterns, allowed values, Base64 and defaults.
/// </summary>
internal static class DataAnnotations
{
    public static void Apply(PropertyInfo property, V1JSONSchemaProps schema)
    {
        foreach (var attribute in property.GetCustomAttributesData())
        {
            var name = attribute.AttributeType.FullName;
            if (name == Attributes.ComponentModel + "DefaultValueAttribute")
            {
                schema.DefaultProperty = attribute.ConstructorArguments.Count == 1 ? Attributes.JsonValue(attribute.ConstructorArguments[0]) : null;
                continue;
            }

            if (name is null || !name.StartsWith(Attributes.DataAnnotations, StringComparison.Ordinal))
            {
                continue;
            }

            switch (name[Attributes.DataAnnotations.Length..])
            {
                case "RangeAttribute":
                    Range(property, attribute, schema);
                    break;
                case "MinLengthAttribute":
                    Length(property, schema, Int(Attributes.Argument(attribute, 0)), null);
                    break;
                case "MaxLengthAttribute":
                    // [MaxLength] without a length means "as long as the store allows": nothing to check.
                    Length(property, schema, null, Int(Attributes.Argument(attribute, 0)) is >= 0 and var max ? max : null);
                    break;
                case "StringLengthAttribute":
                    Length(property, schema, Int(Attributes.Named(attribute, "MinimumLength")) is > 0 and var min ? min : null, Int(Attributes.Argument(attribute, 0)));
                    break;
                case "LengthAttribute":
                    Length(property, schema, Int(Attributes.Argument(attribute, 0)), Int(Attributes.Argument(attribute, 1)));
                    break;
                case "RegularExpressionAttribute":
                    schema.Pattern = Anchored((string)Attributes.Argument(attribute, 0)!);
                    break;
                case "AllowedValuesAttribute":
                    schema.EnumProperty = Attributes.Argument(attribute, 0) is ReadOnlyCollection<CustomAttributeTypedArgument> values
                        ? values.Select(Attributes.JsonValue).ToList()
                        : null;
                    break;
                case "Base64StringAttribute":
                    schema.Format = "byte";
                    break;
            }
        }
    }

    /// <summary>
    /// A <c>[RegularExpression]</c> matches the whole value, where an OpenAPI pattern may match any part of it: anchored
    /// unless it already is.
    /// </summary>
    internal static string Anchored(string pattern) =>
        pattern.StartsWith('^') && pattern.EndsWith('$') && !pattern.EndsWith("\\$", StringComparison.Ordinal) ? pattern : "^(?:" + pattern + ")$";

    private static void Range(PropertyInfo property, CustomAttributeData attribute, V1JSONSchemaProps schema)
    {
        if (schema.Type is not ("integer" or "number"))
        {
            throw new InvalidOperationException($"{Schemas.Where(property)}: [Range] is supported on numbers only in a CRD schema.");
        }

        var offset = attribute.ConstructorArguments.Count == 3 ? 1 : 0;
        schema.Minimum = Number(Attributes.Argument(attribute, offset));
        schema.Maximum = Number(Attributes.Argument(attribute, offset + 1));
        if (Attributes.Named(attribute, "MinimumIsExclusive") is true)
        {
            schema.ExclusiveMinimum = true;
        }

        if (Attributes.Named(attribute, "MaximumIsExclusive") is true)
        {
            schema.ExclusiveMaximum = true;
        }
    }

    private static void Length(PropertyInfo property, V1JSONSchemaProps schema, int? min, int? max)
    {
        switch (schema.Type)
        {
            case "string":
                schema.MinLength = min ?? schema.MinLength;
                schema.MaxLength = max ?? schema.MaxLength;
                break;
            case "array":
                schema.MinItems = min ?? schema.MinItems;
                schema.MaxItems = max ?? schema.MaxItems;
                break;
            case "object" when schema.AdditionalProperties is not null:
                schema.MinProperties = min ?? schema.MinProperties;
                schema.MaxProperties = max ?? schema.MaxProperties;
                break;
            default:
                throw new InvalidOperationException($"{Schemas.Where(property)}: a length applies to strings, lists and maps only.");
        }
    }

    private static int? Int(object? value) => value is null ? null : Convert.ToInt32(value, CultureInfo.InvariantCulture);

    private static double? Number(object? value) => value switch
    {
        null => null,
        string s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => Convert.ToDouble(value, CultureInfo.InvariantCulture),
    };
}
