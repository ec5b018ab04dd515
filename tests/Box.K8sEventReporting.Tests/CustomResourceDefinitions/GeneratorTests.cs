using System.Reflection;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using Box.K8sEventReporting.CustomResourceDefinitions;
using Box.K8sEventReporting.Tests.TestSupport;

namespace Box.K8sEventReporting.Tests.CustomResourceDefinitions;

/// <summary>
/// What the build-time generator does: read the project's types as metadata (a MetadataLoadContext over the assemblies
/// the compiler referenced) and write one YAML file per custom resource, the same text as in process.
/// </summary>
public sealed class GeneratorTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "crdgen-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    private static MetadataLoadContext Metadata()
    {
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.Last());
        return new MetadataLoadContext(new PathAssemblyResolver(paths));
    }

    [Fact]
    public void FromMetadata_TheYamlIsTheSameAsFromTheLoadedType()
    {
        using var context = Metadata();
        var assembly = context.LoadFromAssemblyPath(typeof(Widget).Assembly.Location);
        var widget = assembly.GetType(typeof(Widget).FullName!)!;
        var testPki = assembly.GetType(typeof(TestPki).FullName!)!;

        Assert.NotSame(typeof(Widget), widget);
        Assert.Equal(CustomResourceDefinitionYaml.Generate<Widget>(), CustomResourceDefinitionYaml.Generate(widget, CustomResourceDefinitionBuilder.Build(widget, XmlDocumentation.For(assembly))));
        Assert.Equal(CustomResourceDefinitionYaml.Generate<TestPki>(), CustomResourceDefinitionYaml.Generate(testPki, CustomResourceDefinitionBuilder.Build(testPki, XmlDocumentation.For(assembly))));
    }

    [Fact]
    public void Write_OneFilePerResource_RewrittenOnlyWhenChanged_StaleGeneratedFilesDeleted_OthersKept()
    {
        using var context = Metadata();
        var assembly = context.LoadFromAssemblyPath(typeof(Widget).Assembly.Location);
        var types = new[] { assembly.GetType(typeof(Widget).FullName!)!, assembly.GetType(typeof(TestPki).FullName!)! };
        Directory.CreateDirectory(_output);
        var stale = Path.Combine(_output, "gone.example.test.yaml");
        File.WriteAllText(stale, CustomResourceDefinitionYaml.Generate<Widget>().Replace("widgets.example.test", "gone.example.test", StringComparison.Ordinal));
        var handWritten = Path.Combine(_output, "kustomization.yaml");
        File.WriteAllText(handWritten, "resources: []\n");

        var written = CustomResourceDefinitionFiles.Write(types, XmlDocumentation.For(assembly), _output);
        var widgetFile = Path.Combine(_output, "widgets.example.test.yaml");
        var before = File.GetLastWriteTimeUtc(widgetFile);
        File.SetLastWriteTimeUtc(widgetFile, before.AddHours(-1));
        CustomResourceDefinitionFiles.Write(types, XmlDocumentation.For(assembly), _output);

        Assert.Equal(["pkis.box.com.yaml", "widgets.example.test.yaml"], written.Select(Path.GetFileName));
        Assert.Equal(CustomResourceDefinitionYaml.Generate<Widget>(), File.ReadAllText(widgetFile));
        Assert.Equal(before.AddHours(-1), File.GetLastWriteTimeUtc(widgetFile));   // unchanged text: not written again
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(handWritten));
        Assert.Equal(["kustomization.yaml", "pkis.box.com.yaml", "widgets.example.test.yaml"], Directory.GetFiles(_output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Write_AnAssemblyWithATypeThatCannotBeACrd_FailsNamingTheTypeAndTheFix()
    {
        using var context = Metadata();
        var assembly = context.LoadFromAssemblyPath(typeof(Widget).Assembly.Location);

        var error = Assert.Throws<InvalidOperationException>(() => CustomResourceDefinitionFiles.Write(assembly, _output));

        Assert.Contains("BadListMap.Items: a list of type map needs map keys, each a required field of its items (mark it [Required])", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void XmlSummary_BecomesPlainTextParagraphs()
    {
        var summary = XElement.Parse("""
            <summary>
              The <c>spec</c> of a <see cref="T:Ns.Outer.Inner`1"/>, or <see langword="null"/>; see <see href="https://example.test">the docs</see>
              and <paramref name="value"/>.
              <para>Second   paragraph,
              on two lines.</para>
            </summary>
            """);

        Assert.Equal("The spec of a Inner, or null; see the docs and value.\n\nSecond paragraph, on two lines.", XmlDocumentation.ToText(summary));
    }
}
