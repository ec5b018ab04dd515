// Checks what `dotnet pack` made in the folder given (artifacts/packages), so that nothing a consumer relies on is lost
// silently: each .nupkg carries its icon, its README and the repository's URL and commit; each .snupkg's portable PDBs
// carry Source Link and only normalized document paths (/_/...), and no file in either holds the checkout's absolute path.
// Run: dotnet run .ci/check-packages.cs -- artifacts/packages (from the repository's root). Prints one line per problem.
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

if (args.Length != 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: dotnet run .ci/check-packages.cs -- <folder with .nupkg and .snupkg files>");
    return 2;
}

var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
var checkout = Encoding.UTF8.GetBytes(Path.TrimEndingDirectorySeparator(Directory.GetCurrentDirectory()) + "/");
var problems = new List<string>();
var packages = Directory.GetFiles(args[0], "*.nupkg").Order(StringComparer.Ordinal).ToArray();
if (packages.Length == 0)
{
    problems.Add($"{args[0]}: no .nupkg");
}

foreach (var package in packages)
{
    var name = Path.GetFileName(package);
    using var zip = ZipFile.OpenRead(package);
    var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
    XDocument nuspec;
    using (var stream = nuspecEntry.Open())
    {
        nuspec = XDocument.Load(stream);
    }

    var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    string? Value(string element) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == element)?.Value;
    foreach (var (element, property) in new[] { ("icon", "PackageIcon"), ("readme", "PackageReadmeFile") })
    {
        var file = Value(element);
        if (string.IsNullOrEmpty(file))
        {
            problems.Add($"{name}: the nuspec names no {element} ({property})");
        }
        else if (zip.GetEntry(file) is not { Length: > 0 })
        {
            problems.Add($"{name}: the nuspec's {element} '{file}' is not in the package");
        }
    }

    var repository = metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "repository");
    if (repository?.Attribute("url")?.Value is not { Length: > 0 } || !Regex.IsMatch(repository.Attribute("commit")?.Value ?? string.Empty, "^[0-9a-f]{40}$"))
    {
        problems.Add($"{name}: the nuspec has no <repository> with a url and a commit (PublishRepositoryUrl, Source Link): '{repository}'");
    }

    foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal)))
    {
        CheckNoCheckoutPath(name, entry);
    }

    var symbols = Path.ChangeExtension(package, ".snupkg");
    if (!File.Exists(symbols))
    {
        problems.Add($"{name}: no symbol package {Path.GetFileName(symbols)} (IncludeSymbols, SymbolPackageFormat snupkg)");
        continue;
    }

    using var symbolZip = ZipFile.OpenRead(symbols);
    var pdbs = symbolZip.Entries.Where(e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal)).ToArray();
    if (pdbs.Length == 0)
    {
        problems.Add($"{Path.GetFileName(symbols)}: no .pdb");
    }

    foreach (var pdb in pdbs)
    {
        var where = $"{Path.GetFileName(symbols)}:{pdb.FullName}";
        CheckNoCheckoutPath(Path.GetFileName(symbols), pdb);
        using var buffer = new MemoryStream();
        using (var stream = pdb.Open())
        {
            stream.CopyTo(buffer);
        }

        buffer.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(buffer);
        var reader = provider.GetMetadataReader();
        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == sourceLinkKind)
            .Select(c => Encoding.UTF8.GetString(reader.GetBlobBytes(c.Value)))
            .FirstOrDefault();
        if (sourceLink is null || !sourceLink.Contains("\"documents\"", StringComparison.Ordinal))
        {
            problems.Add($"{where}: no Source Link JSON (EnableSourceLink, a git repository)");
        }

        var outside = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name))
            .Where(path => !path.StartsWith("/_/", StringComparison.Ordinal)).ToArray();
        if (outside.Length > 0)
        {
            problems.Add($"{where}: {outside.Length} document path(s) not under /_/ (ContinuousIntegrationBuild), e.g. {outside[0]}");
        }
    }
}

foreach (var problem in problems)
{
    Console.Error.WriteLine(problem);
}

Console.WriteLine(problems.Count == 0
    ? $"{packages.Length} packages: icon, README, repository and commit, Source Link, /_/ paths: ok"
    : $"{problems.Count} package problem(s)");
return problems.Count == 0 ? 0 : 1;

void CheckNoCheckoutPath(string package, ZipArchiveEntry entry)
{
    using var buffer = new MemoryStream();
    using (var stream = entry.Open())
    {
        stream.CopyTo(buffer);
    }

    if (buffer.ToArray().AsSpan().IndexOf(checkout) >= 0)
    {
        problems.Add($"{package}:{entry.FullName}: holds the checkout's absolute path {Encoding.UTF8.GetString(checkout)}");
    }
}
