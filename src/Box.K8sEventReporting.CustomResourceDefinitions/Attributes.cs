using System.Collections.ObjectModel;
using System.Globalization;
using System.Reflection;

namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// Attributes read as metadata (<see cref="CustomAttributeData"/>, by type name), never instantiated: the same code reads
/// a loaded type and one inspected in a <c>MetadataLoadContext</c> at build time, whatever version of an attribute's
/// assembly the type was compiled against.
/// </summary>
internal static class Attributes
{
    public const string Own = "Box.K8sEventReporting.CustomResourceDefinitions.";
    public const string DataAnnotations = "System.ComponentModel.DataAnnotations.";
    public const string ComponentModel = "System.ComponentModel.";
    public const string Json = "System.Text.Json.Serialization.";

    public static IEnumerable<CustomAttributeData> All(MemberInfo member, string fullName) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType.FullName == fullName);

    public static CustomAttributeData? Find(MemberInfo member, string fullName) => All(member, fullName).FirstOrDefault();

    public static bool Has(MemberInfo member, string fullName) => Find(member, fullName) is not null;

    public static object? Argument(CustomAttributeData attribute, int index) =>
        attribute.ConstructorArguments.Count > index ? attribute.ConstructorArguments[index].Value : null;

    public static object? Named(CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.MemberName == name)
            {
                return argument.TypedValue.Value;
            }
        }

        return null;
    }

    public static string? NamedString(CustomAttributeData attribute, string name) => Named(attribute, name) as string;

    /// <summary>The strings of a <c>params string[]</c> argument.</summary>
    public static List<string> Strings(object? value) =>
        value is ReadOnlyCollection<CustomAttributeTypedArgument> items
            ? items.Select(i => i.Value as string).Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList()
            : [];

    /// <summary>An argument as the value it stands for in JSON: an enum member as its name, numbers and strings as they are.</summary>
    public static object? JsonValue(CustomAttributeTypedArgument argument)
    {
        if (argument.Value is ReadOnlyCollection<CustomAttributeTypedArgument>)
        {
            return null;
        }

        if (argument.ArgumentType.IsEnum && argument.Value is not null)
        {
            return Schemas.EnumName(argument.ArgumentType, argument.Value);
        }

        return argument.Value switch
        {
            char c => c.ToString(),
            Type => null,
            IConvertible and not string and not bool => Convert.ToDouble(argument.Value, CultureInfo.InvariantCulture) is var d && Math.Floor(d) == d && Math.Abs(d) < 9e15 ? (long)d : d,
            _ => argument.Value,
        };
    }
}
