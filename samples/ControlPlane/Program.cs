using Box.K8sEventReporting.Hosting;
using ControlPlane;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The control plane: watch Pkis, validate their serviceName against the AllowedNames file, provision a Secret for the
// valid ones, and report every error on the pods that mount the Secret, on the Pki and in its Ready condition.
var embedded = args.Contains("--embedded");
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args.Where(a => a != "--embedded").ToArray(),
    ContentRootPath = AppContext.BaseDirectory,
});
Program.AddControlPlane(builder.Services, builder.Configuration);

// --embedded: run the whole scenario against an in-process API server and print what kubectl would show.
return embedded
    ? await EmbeddedDemo.RunAsync(builder)
    : await ControlPlaneHost.RunAsync(builder.Build());

internal partial class Program
{
    /// <summary>The whole composition (the integration tests run exactly this).</summary>
    internal static K8sEventReportingBuilder AddControlPlane(IServiceCollection services, IConfiguration configuration)
    {
        services.AddAllowedNamesFile();
        return services.AddK8sEventReporting(configuration.GetSection("K8sEventReporting"))
            .AddCertificateIssuer()                                   // the control plane's CA, in a Secret of its namespace
            .AddController<Pki>(pki => pki
                .AddValidator<ServiceNameValidator>()
                .ReportOnPodsConsumingSecret(p => p.Metadata.Name)
                .AddReconciler<SecretProvisioner>()
                .Owns<V1Secret>()
                .RevalidateOnChangeOf<AllowedNamesOptions>());
    }
}
