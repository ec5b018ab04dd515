using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Registers the Kubernetes Event recorder and the reporting services (part of <c>AddK8sEventReporting</c>).</summary>
internal static class EventReportingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="KubernetesEventRecorder"/> (as <see cref="IEventRecorder"/>), <see cref="ResourceConditionWriter"/>
    /// (as <see cref="IResourceConditionWriter"/>) and <see cref="ValidationProblemReporter{T}"/>, with
    /// <see cref="EventReporterOptions"/> validated at host start. Pods are told through the recorder unless an
    /// <see cref="IPodEventReporter"/> is registered.
    /// </summary>
    /// <param name="services">The services; an <c>IKubernetes</c> must be registered.</param>
    /// <param name="configure">Configures the options; optional.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <remarks>Every registration is a <c>TryAdd</c>: calling it twice is harmless, and a service registered earlier wins.</remarks>
    public static IServiceCollection AddEventReporting(this IServiceCollection services, Action<EventReporterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        // First, so that every Configure and Bind after it overrides the application-name default.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<EventReporterOptions>, ApplicationNameReportingComponent>());
        var builder = services.AddOptions<EventReporterOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventReporterOptions>, EventReporterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // The host's meter factory when it has one (Host.CreateApplicationBuilder adds it), else the default one.
        services.AddMetrics();
        services.TryAddSingleton(static sp => new ReportingMetrics(K8sEventReportingDiagnostics.CreateMeter(sp.GetRequiredService<IMeterFactory>())!));
        services.TryAddSingleton<KubernetesEventRecorder>();
        services.TryAddSingleton<IEventRecorder>(sp => sp.GetRequiredService<KubernetesEventRecorder>());
        services.TryAddSingleton<IResourceConditionWriter, ResourceConditionWriter>();
        services.TryAddSingleton(typeof(ValidationProblemReporter<>));
        return services;
    }
}
