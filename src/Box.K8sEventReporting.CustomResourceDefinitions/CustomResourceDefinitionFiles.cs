using System.Reflection;
using System.Text;

namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// What the build-time generator does with an assembly: one YAML file per custom resource type in it, written only when
/// its text changes, and generated files that no type produces any more deleted.
/// </summary>
internal static class CustomResourceDefinitionFiles
{
    public static IReadOnlyList<string> Write(Assembly assembly, string outputDirectory) =>
        Write(Types(assembly).Where(CustomResourceDefinitionBuilder.IsCustomResource), XmlDocumentation.For(assembly), outputDirectory);

    public static IReadOnlyList<string> Write(IEnumerable<Type> resourceTypes, XmlDocumentation documentation, string outputDirectory)
    {
        var types = resourceTypes.OrderBy(t => t.FullName, StringComparer.Ordinal).ToList();
        var files = new SortedDictionary<string, (Type Type, string Text)>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            var definition = CustomResourceDefinitionBuilder.Build(type, documentation);
            var name = CustomResourceDefinitionYaml.FileName(definition);
            if (files.TryGetValue(name, out var other))
            {
                throw new InvalidOperationException($"{other.Type.FullName} and {type.FullName} are both {definition.Metadata.Name}; one version of a resource per CRD is supported.");
            }

            files[name] = (type, CustomResourceDefinitionYaml.Generate(type, definition));
        }

        Directory.CreateDirectory(outputDirectory);
        foreach (var stale in Directory.EnumerateFiles(outputDirectory, "*.yaml").Where(f => !files.ContainsKey(Path.GetFileName(f)) && IsGenerated(f)))
        {
            File.Delete(stale);
        }

        var written = new List<string>();
        foreach (var (name, (_, text)) in files)
        {
            var path = Path.Combine(outputDirectory, name);
            if (!File.Exists(path) || File.ReadAllText(path) != text)
            {
                // Written beside and moved over: a multi-targeted project runs this once per target framework, maybe at once.
                var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
                File.WriteAllText(temporary, text, new UTF8Encoding(false));
                File.Move(temporary, path, overwrite: true);
            }

            written.Add(path);
        }

        return written;
    }

    private static bool IsGenerated(string path)
    {
        using var reader = new StreamReader(path);
        return reader.ReadLine()?.StartsWith(CustomResourceDefinitionYaml.HeaderStart, StringComparison.Ordinal) == true;
    }

    private static Type[] Types(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            var missing = e.LoaderExceptions.FirstOrDefault()?.Message;
            throw new InvalidOperationException($"Could not read the types of {assembly.GetName().Name}: {missing}", e);
        }
    }
}
