using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Defaults <see cref="EventReporterOptions.ReportingComponent"/> to the host's application name, so every consumer's Events
/// name their own controller; a value set in code or configuration wins (this runs before them and leaves any other value).
/// </summary>
/// <param name="environment">The host's environment; without a host the entry assembly's name stays.</param>
internal sealed class ApplicationNameReportingComponent(IHostEnvironment? environment = null) : IConfigureOptions<EventReporterOptions>
{
    public void Configure(EventReporterOptions options)
    {
        if (options.ReportingComponent == EventReporterOptions.DefaultReportingComponent
            && KubernetesNames.ToComponentName(environment?.ApplicationName) is { } component)
        {
            options.ReportingComponent = component;
        }
    }
}
