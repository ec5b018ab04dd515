using Box.K8sEventReporting.Hosting;
using ControlPlane;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The control plane: watch Pkis, validate their serviceName against the AllowedNames file, provision a Secret for the
// valid ones, and report every error on the pods that mount the Secret, on the Pki and in its Ready condition.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Usage.Text);
    return 0;
}

// A misspelled flag (--embeded) or a setting without a value would otherwise run on defaults without a word.
if (CommandLine.Problem(args) is { } problem)
{
    Console.Error.WriteLine($"controlplane: {problem}");
    Console.Error.WriteLine(Usage.Text);
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args.Except(CommandLine.Flags).ToArray(),
    ContentRootPath = AppContext.BaseDirectory,
});
Program.AddControlPlane(builder.Services, builder.Configuration);

// --embedded: run the whole scenario against an in-process API server and print what kubectl would show.
if (args.Contains("--embedded"))
{
    return await EmbeddedDemo.RunAsync(builder, verbose: args.Contains("--verbose"));
}

// A bad setting is one critical line and exit code 1 (the library stops the host), not an exception.
await builder.Build().RunAsync();
return Environment.ExitCode;

internal partial class Program
{
    /// <summary>The whole composition (the integration tests run exactly this).</summary>
    internal static K8sEventReportingBuilder AddControlPlane(IServiceCollection services, IConfiguration configuration)
    {
        services.AddAllowedNamesFile();
        return services.AddK8sEventReporting(configuration.GetSection("K8sEventReporting"))
            .ConfigureEvents(events => events.ReportingComponent = "controlplane")   // Events say "From controlplane"
            .AddCertificateIssuer()                                   // the control plane's CA, in a Secret of its namespace
            .AddController<Pki>(pki => pki
                .AddValidator<ServiceNameValidator>()
                .AddAdmissionWebhook()                                // the same validator answers `kubectl apply` (a warning)
                .ReportOnPodsConsumingSecret(p => p.Metadata.Name)
                .AddReconciler<SecretProvisioner>()
                .Owns<V1Secret>()
                .RevalidateOnChangeOf<AllowedNamesOptions>());
    }
}
