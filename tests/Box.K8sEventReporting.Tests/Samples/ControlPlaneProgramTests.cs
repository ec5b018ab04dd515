using Box.K8sEventReporting.Tests.Hosting;

namespace Box.K8sEventReporting.Tests.Samples;

/// <summary>The sample's own Program.cs, run in-process: --help, and a bad setting. Console and exit code are process-wide.</summary>
[Collection(StartupConfigurationErrorTests.Name)]
public sealed class ControlPlaneProgramTests
{
    [Fact]
    public async Task Help_PrintsTheSettings_AndExits0()
    {
        var (exitCode, output) = await RunAsync("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("Usage: controlplane", output, StringComparison.Ordinal);
        Assert.Contains("ControlPlane:AllowedNamesPath", output, StringComparison.Ordinal);
        Assert.Contains("K8sEventReporting:Controller:Workers", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--embeded", "controlplane: unknown option '--embeded'")]
    [InlineData("--K8sEventReporting:Controller:Workers", "controlplane: the setting '--K8sEventReporting:Controller:Workers' has no value: write --K8sEventReporting:Controller:Workers=value")]
    public async Task UnknownFlagOrSettingWithoutValue_SaysSoWithTheUsage_Exits2(string arg, string expected)
    {
        var (exitCode, output) = await RunAsync(arg, "--verbose");

        Assert.Equal(2, exitCode);
        Assert.StartsWith(expected, output, StringComparison.Ordinal);
        Assert.Contains("Usage: controlplane", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowedNamesPathIsADirectory_OneLineSayingSo_Exits1()
    {
        var directory = Directory.CreateTempSubdirectory("allowed-names-").FullName;
        try
        {
            var (exitCode, output) = await RunAsync($"--ControlPlane:AllowedNamesPath={directory}", "--K8sEventReporting:Health:Enabled=false");

            Assert.Equal(1, exitCode);
            var lines = output.Split('\n').Where(l => l.Contains("is a directory", StringComparison.Ordinal)).ToArray();
            Assert.Contains($"AllowedNames file '{directory}' is a directory", Assert.Single(lines), StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var entryPoint = typeof(ControlPlane.AllowedNamesOptions).Assembly.EntryPoint!;
        var exitCode = Environment.ExitCode;
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        Console.SetOut(output);
        Console.SetError(output);
        try
        {
            // The compiler's entry point for an async top-level program is a synchronous wrapper returning int.
            var result = await Task.Run(() => entryPoint.Invoke(null, [args])).WaitAsync(TimeSpan.FromSeconds(30));
            return (result is Task<int> task ? await task : (int)result!, output.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            Environment.ExitCode = exitCode;
        }
    }
}
