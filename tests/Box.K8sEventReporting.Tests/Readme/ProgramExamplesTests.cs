using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Tests.Hosting;
using DatabaseOperator.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DatabaseOperator;

/// <summary>The work for a valid Database (here: nothing).</summary>
public sealed class DatabaseProvisioner : IReconciler<Database>
{
    public ValueTask<ReconcileResult> ReconcileAsync(Database database, CancellationToken cancellationToken) => ValueTask.FromResult(ReconcileResult.Done);
}

/// <summary>
/// The READMEs' Program.cs, run: with no cluster configuration it must stop at once with exit code 1 (the start-up check),
/// which proves the composition builds and starts up to the client. Exit code and KUBECONFIG are process-wide.
/// </summary>
[Collection(StartupConfigurationErrorTests.Name)]
public class ProgramExamplesTests
{
    internal static async Task MainAsync(string[] args)
    {
        #region readme
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddK8sEventReporting(builder.Configuration.GetSection("K8sEventReporting"))
            .AddController<Database>(db => db
                .AddValidator<EngineValidator>()                       // IValidator<Database>: field path, reason, message
                .ReportOnPodsConsumingSecret(d => d.Metadata.Name)     // which pods an invalid Database breaks
                .AddReconciler<DatabaseProvisioner>());                // IReconciler<Database>: the work for a valid one
        await builder.Build().RunAsync();
        #endregion
    }

    [Fact]
    public async Task Program_NoCluster_StopsWithOneLineAndExitCode1()
    {
        var exitCode = Environment.ExitCode;
        try
        {
            Environment.ExitCode = 0;
            await MainAsync(["--K8sEventReporting:Controller:Workers=0", "--Logging:LogLevel:Default=None"]).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }
}
