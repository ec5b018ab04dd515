using System.Reflection;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// The <c>&lt;summary&gt;</c> of types and properties, read from the XML documentation files (<c>Assembly.xml</c>) in one
/// folder, as plain text: <c>&lt;c&gt;</c> and <c>&lt;see cref&gt;</c> become their text, <c>&lt;para&gt;</c> a blank line.
/// </summary>
/// <remarks>
/// Only one folder is read, the one of the assembly that declares the resource type (its build output), so that the
/// build-time generator and an in-process <see cref="CustomResourceDefinitionBuilder"/> find the same files.
/// </remarks>
internal sealed class XmlDocumentation
{
    private readonly string? directory;
    private readonly Dictionary<string, Dictionary<string, string>?> files = new(StringComparer.Ordinal);

    public XmlDocumentation(string? directory) => this.directory = directory;

    public static XmlDocumentation For(Assembly assembly)
    {
        var location = assembly.Location;
        return new XmlDocumentation(string.IsNullOrEmpty(location) ? null : Path.GetDirectoryName(location));
    }

    public string? Of(Type type) => Lookup(type.Assembly, "T:" + DocName(type));

    public string? Of(PropertyInfo property) =>
        property.DeclaringType is { } declaring ? Lookup(declaring.Assembly, "P:" + DocName(declaring) + "." + property.Name) : null;

    private static string DocName(Type type)
    {
        var definition = type.IsGenericType && !type.IsGenericTypeDefinition ? type.GetGenericTypeDefinition() : type;
        return (definition.FullName ?? definition.Name).Replace('+', '.');
    }

    private string? Lookup(Assembly assembly, string member)
    {
        var name = assembly.GetName().Name;
        if (directory is null || name is null)
        {
            return null;
        }

        if (!files.TryGetValue(name, out var members))
        {
            members = Load(Path.Combine(directory, name + ".xml"));
            files[name] = members;
        }

        return members is not null && members.TryGetValue(member, out var text) ? text : null;
    }

    private static Dictionary<string, string>? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        XDocument document;
        try
        {
            document = XDocument.Load(path);
        }
        catch (XmlException)
        {
            // Not a documentation file after all (some other .xml beside the assembly): no descriptions from it.
            return null;
        }

        foreach (var member in document.Descendants("member"))
        {
            if (member.Attribute("name")?.Value is { } id && member.Element("summary") is { } summary)
            {
                var text = ToText(summary);
                if (text.Length > 0)
                {
                    members[id] = text;
                }
            }
        }

        return members;
    }

    /// <summary>The summary as paragraphs of single-spaced text.</summary>
    internal static string ToText(XElement summary)
    {
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        Append(summary, current, paragraphs);
        Flush(current, paragraphs);
        return string.Join("\n\n", paragraphs);
    }

    private static void Append(XElement element, StringBuilder current, List<string> paragraphs)
    {
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText text:
                    current.Append(text.Value);
                    break;
                case XElement { Name.LocalName: "para" } para:
                    Flush(current, paragraphs);
                    Append(para, current, paragraphs);
                    Flush(current, paragraphs);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see when !see.Nodes().Any():
                    current.Append(
                        see.Attribute("langword")?.Value
                        ?? ShortName(see.Attribute("cref")?.Value)
                        ?? see.Attribute("href")?.Value);
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } reference:
                    current.Append(reference.Attribute("name")?.Value);
                    break;
                case XElement { Name.LocalName: "br" }:
                    current.Append(' ');
                    break;
                case XElement other:
                    Append(other, current, paragraphs);
                    break;
            }
        }
    }

    private static string? ShortName(string? cref)
    {
        if (cref is null)
        {
            return null;
        }

        var name = cref.Contains(':', StringComparison.Ordinal) ? cref[(cref.IndexOf(':', StringComparison.Ordinal) + 1)..] : cref;
        var parenthesis = name.IndexOf('(', StringComparison.Ordinal);
        if (parenthesis >= 0)
        {
            name = name[..parenthesis];
        }

        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        return name[(name.LastIndexOf('.') + 1)..];
    }

    private static void Flush(StringBuilder current, List<string> paragraphs)
    {
        var words = current.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        current.Clear();
        if (words.Length > 0)
        {
            paragraphs.Add(string.Join(' ', words));
        }
    }
}
