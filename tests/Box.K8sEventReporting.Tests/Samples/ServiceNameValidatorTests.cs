using ControlPlane;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Box.K8sEventReporting.Tests.Samples;

public class ServiceNameValidatorTests
{
    private static ServiceNameValidator ValidatorAllowing(params string[] names)
    {
        var monitor = Substitute.For<IOptionsMonitor<AllowedNamesOptions>>();
        monitor.CurrentValue.Returns(new AllowedNamesOptions { Names = names });
        return new ServiceNameValidator(monitor);
    }

    private static Pki PkiWith(string name, string? serviceName, bool withSpec = true) => new()
    {
        Metadata = new() { Name = name, NamespaceProperty = "app1" },
        Spec = withSpec ? new PkiSpec { ServiceName = serviceName } : null,
    };

    [Fact]
    public async Task ValidateAsync_AllowedName_IsValid()
    {
        var validator = ValidatorAllowing("app1", "app2");

        var result = await validator.ValidateAsync(PkiWith("app2-pki", "app2"));

        Assert.True(result.IsValid);
    }

    [Fact]
    public async Task ValidateAsync_Typo_FailsWithTheOriginalMessage()
    {
        var validator = ValidatorAllowing("app1", "app2");

        var result = await validator.ValidateAsync(PkiWith("app1-pki", "appp1"));

        var failure = Assert.Single(result.Failures);
        Assert.Equal("spec.serviceName", failure.FieldPath);
        Assert.Equal("InvalidServiceName", failure.Reason);
        Assert.Equal("ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]", failure.Message);
    }

    [Theory]
    [InlineData(false, "pki: app1-pki has no spec; set spec.serviceName to one of allowedNames: [app1 app2]")]
    [InlineData(true, "pki: app1-pki has no spec.serviceName; set spec.serviceName to one of allowedNames: [app1 app2]")]
    public async Task ValidateAsync_MissingSpecOrName_FailsWithMissingServiceName(bool withSpec, string expected)
    {
        var validator = ValidatorAllowing("app1", "app2");

        var result = await validator.ValidateAsync(PkiWith("app1-pki", null, withSpec));

        var failure = Assert.Single(result.Failures);
        Assert.Equal("MissingServiceName", failure.Reason);
        Assert.Equal(expected, failure.Message);
    }
}

public sealed class AllowedNamesFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("allowed-names-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (AllowedNamesFile File, AllowedNamesOptions Options) Load(string path)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ControlPlane:AllowedNamesPath"] = path })
            .Build();
        var file = new AllowedNamesFile(configuration);
        var options = new AllowedNamesOptions();
        file.PostConfigure(Options.DefaultName, options);
        return (file, options);
    }

    [Fact]
    public void PostConfigure_ReadsOneNamePerLine_IgnoringBlanksAndComments()
    {
        var path = Path.Combine(_directory, "allowedNames");
        File.WriteAllText(path, "app1\n\n# a comment\n  app2  \napp1\n");

        var (_, options) = Load(path);

        Assert.Equal(["app1", "app2"], options.Names);
    }

    [Fact]
    public void Validate_MissingFile_SaysWhichFile()
    {
        var path = Path.Combine(_directory, "nope");
        var (file, options) = Load(path);

        var result = file.Validate(Options.DefaultName, options);

        Assert.True(result.Failed);
        Assert.Equal($"AllowedNames file '{path}' does not exist: it must be a file that lists the allowed service names, one per line (set ControlPlane:AllowedNamesPath).", result.FailureMessage);
    }

    [Fact]
    public void Validate_EmptyFile_SaysWhichFile()
    {
        var path = Path.Combine(_directory, "allowedNames");
        File.WriteAllText(path, "\n# nothing\n");
        var (file, options) = Load(path);

        var result = file.Validate(Options.DefaultName, options);

        Assert.True(result.Failed);
        Assert.Contains($"AllowedNames file '{path}' is empty", result.FailureMessage, StringComparison.Ordinal);
    }
}
