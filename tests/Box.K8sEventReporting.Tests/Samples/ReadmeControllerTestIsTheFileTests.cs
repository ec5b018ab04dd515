namespace Box.K8sEventReporting.Tests.Samples;

/// <summary>The README's controller test is DatabaseControllerTests.cs, character for character, so CI compiles and runs what it shows.</summary>
public class ReadmeControllerTestIsTheFileTests
{
    private const string Marker = "<!-- the file tests/Box.K8sEventReporting.Tests/Samples/DatabaseControllerTests.cs -->";

    [Fact]
    public void ReadmeControllerTest_IsDatabaseControllerTestsCs()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Readme", "README.md")).ReplaceLineEndings("\n");
        var file = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Readme", "DatabaseControllerTests.cs")).ReplaceLineEndings("\n");

        var marker = readme.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(marker >= 0, $"README.md has no line '{Marker}' before the controller test's code block.");
        var start = readme.IndexOf("```csharp\n", marker, StringComparison.Ordinal) + "```csharp\n".Length;
        var end = readme.IndexOf("```\n", start, StringComparison.Ordinal);
        Assert.Equal(file, readme[start..end]);
    }
}
