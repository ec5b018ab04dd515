using System.Text.RegularExpressions;

namespace Box.K8sEventReporting.Tests.Readme;

/// <summary>
/// Every C# block of the README, the packages' READMEs and the docs is code a test compiles and runs: the line before it names the file (and the
/// <c>#region</c>) it is copied from, as <c>&lt;!-- code: tests/…/File.cs#readme --&gt;</c>, and the block must be that
/// text exactly (a region without its own indentation).
/// </summary>
public partial class ReadmeCodeBlocksTests
{
    private static readonly string Root = FindRoot();

    /// <summary>Every README.md in the repository (not a list that a new one could miss) and the docs; build output left out.</summary>
    public static TheoryData<string> Documents => [.. DocumentPaths()];

    [Fact]
    public void Documents_AreFoundInEveryFolder()
    {
        // The in-process API server's README is two folders down: a discovery of fixed places would miss it.
        Assert.Contains("src/Box.K8sEventReporting.Testing/ApiServer/README.md", DocumentPaths());
        Assert.Contains("README.md", DocumentPaths());
    }

    private static IEnumerable<string> DocumentPaths() => Directory.EnumerateFiles(Root, "README.md", SearchOption.AllDirectories)
        .Concat(Directory.Exists(Path.Combine(Root, "docs")) ? Directory.GetFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories) : [])
        .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
        .Where(static f => !f.Split('/').Any(static part => part is "bin" or "obj" or "artifacts" or "TestResults" || part.StartsWith('.')))
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryCSharpBlock_IsTheCodeItNames(string document)
    {
        var text = File.ReadAllText(Path.Combine(Root, document)).ReplaceLineEndings("\n");
        var blocks = Block().Matches(text);
        foreach (Match block in blocks)
        {
            var marker = Marker().Match(block.Groups["before"].Value);
            Assert.True(marker.Success, $"{document}: the C# block at line {Line(text, block.Index)} has no '<!-- code: path#region -->' line before it.");
            var path = marker.Groups["path"].Value;
            Assert.True(path.StartsWith("tests/", StringComparison.Ordinal) || path.StartsWith("samples/", StringComparison.Ordinal), $"{document}: {path} is not a test or a sample");
            var source = File.ReadAllText(Path.Combine(Root, path)).ReplaceLineEndings("\n");
            var expected = marker.Groups["region"].Success ? Region(source, marker.Groups["region"].Value, path) : source;
            Assert.Equal(expected, block.Groups["code"].Value);
        }
    }

    private static string Region(string source, string name, string path)
    {
        var lines = source.Split('\n');
        var start = Array.FindIndex(lines, l => l.Trim() == "#region " + name);
        Assert.True(start >= 0, $"{path} has no '#region {name}'");
        var end = Array.FindIndex(lines, start + 1, l => l.Trim() == "#endregion");
        var indent = lines[start].Length - lines[start].TrimStart().Length;
        return string.Concat(lines[(start + 1)..end].Select(l => (l.Length >= indent ? l[indent..] : l.TrimStart()) + "\n"));
    }

    private static int Line(string text, int index) => text[..index].Count(c => c == '\n') + 1;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Box.K8sEventReporting.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository's root (Box.K8sEventReporting.slnx) is not above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"(?<before>[^\n]*)\n```(?:csharp|cs|c#)\n(?<code>.*?)```\n", RegexOptions.Singleline)]
    private static partial Regex Block();

    [GeneratedRegex(@"^<!-- code: (?<path>[^#\s]+)(?:#(?<region>\S+))? -->$")]
    private static partial Regex Marker();
}
