using System.Reflection;
using Box.K8sEventReporting.CustomResourceDefinitions;

// The build-time generator: reads the project's assembly as metadata (a MetadataLoadContext over the assemblies the
// compiler referenced, so nothing of the project runs and any of its target frameworks can be read) and writes one
// CustomResourceDefinition YAML per custom resource type. Called by the package's MSBuild target with a response file:
//   --assembly <path> --output <folder> [--reference <path>]...   (one argument per line; @file reads them from a file)
// Errors go to stderr in the canonical MSBuild format, so that the build shows them as errors, and exit with code 2
// (the target then adds nothing); any other non-zero exit is a crash, which the target reports.
var arguments = args.Length == 1 && args[0].StartsWith('@')
    ? File.ReadAllLines(args[0][1..]).Where(l => l.Length > 0).ToArray()
    : args;
string? assemblyPath = null;
string? output = null;
var references = new List<string>();
for (var i = 0; i + 1 < arguments.Length; i += 2)
{
    switch (arguments[i])
    {
        case "--assembly": assemblyPath = arguments[i + 1]; break;
        case "--output": output = arguments[i + 1]; break;
        case "--reference": references.Add(arguments[i + 1]); break;
        default: return Fail($"unknown argument {arguments[i]}");
    }
}

if (assemblyPath is null || output is null)
{
    return Fail("usage: --assembly <path> --output <folder> [--reference <path>]...");
}

try
{
    var paths = references.Where(File.Exists).Append(assemblyPath).Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
    using var context = new MetadataLoadContext(new PathAssemblyResolver(paths));
    var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
    var written = CustomResourceDefinitionFiles.Write(assembly, output);
    Console.WriteLine(written.Count == 0
        ? $"CustomResourceDefinitions: no custom resource type ([KubernetesEntity] with a group) in {assembly.GetName().Name}"
        : $"CustomResourceDefinitions: {string.Join(", ", written.Select(Path.GetFileName))} -> {Path.GetFullPath(output)}");
    return 0;
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or IOException or FileNotFoundException or BadImageFormatException or UnauthorizedAccessException)
{
    return Fail(e.Message);
}

static int Fail(string message)
{
    Console.Error.WriteLine($"CustomResourceDefinitions : error BKCRD001: {message}");
    return 2;
}
