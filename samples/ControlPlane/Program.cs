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

string[] flags = ["--embedded", "--verbose"];
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args.Except(flags).ToArray(),
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
        services.AddKubernetesEventReporting(events => events.ReportingComponent = "controlplane");   // Events say "From controlplane"
        return services.AddK8sEventReporting(configuration.GetSection("K8sEventReporting"))
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
