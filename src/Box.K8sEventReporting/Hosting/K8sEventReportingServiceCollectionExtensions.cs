using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Diagnostics;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Box.K8sEventReporting to an application's services.</summary>
public static class K8sEventReportingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the controllers' hosting (a hosted service that starts and stops watchers, leader election and workers in order),
    /// their options bound from <paramref name="configuration"/> and validated at start, and a default Kubernetes client.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">
    /// The library's section (for example <c>configuration.GetSection("K8sEventReporting")</c>), with subsections
    /// <c>Controller</c> (<see cref="ControllerOptions"/>), <c>LeaderElection</c> (<see cref="LeaderElectionOptions"/>),
    /// <c>Events</c> (<see cref="EventReporterOptions"/>), <c>Health</c> (<see cref="HealthProbeOptions"/>), <c>Certificates</c> (<see cref="CertificateOptions"/>, with <c>AddCertificateIssuer</c>) and <c>Watcher</c> (<see cref="CustomResourceWatcherOptions"/>, for every watched type).
    /// </param>
    /// <returns>A builder to add controllers with.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>
    /// Safe to call twice. Every service is added with <c>TryAdd</c>: register your own first to replace one.
    /// Bad settings (out of range, not of the setting's type, several at once), an unreadable or malformed kubeconfig and a
    /// taken health port do not throw: the host logs ONE critical line naming each setting or file, its value and what is
    /// allowed, sets <see cref="Environment.ExitCode"/> to 1 and stops, so <c>await builder.Build().RunAsync();</c> exits
    /// non-zero without a stack trace. The application's own options validated with <c>ValidateOnStart</c> are included.
    /// </remarks>
    public static K8sEventReportingBuilder AddK8sEventReporting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddK8sEventReporting();
        if (!services.Any(d => d.ServiceType == typeof(LibraryConfiguration)))
        {
            services.AddSingleton(new LibraryConfiguration(configuration));
            services.AddOptions<ControllerOptions>().Bind(configuration.GetSection(ControllerOptions.SectionName));
            services.AddOptions<LeaderElectionOptions>().Bind(configuration.GetSection(LeaderElectionOptions.SectionName));
            services.AddOptions<EventReporterOptions>().Bind(configuration.GetSection(EventReporterOptions.SectionName));
            services.AddOptions<HealthProbeOptions>().Bind(configuration.GetSection(HealthProbeOptions.SectionName));
            services.AddOptions<CertificateOptions>().Bind(configuration.GetSection(CertificateOptions.SectionName));

            // One section for every type's watcher (named options, see WatcherRegistration).
            services.Configure<CustomResourceWatcherOptions>(name: null, configuration.GetSection("Watcher"));
        }

        return builder;
    }

    /// <summary>
    /// Adds the controllers' hosting with options from code only (see
    /// <see cref="AddK8sEventReporting(IServiceCollection, IConfiguration)"/>).
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <returns>A builder to add controllers with.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static K8sEventReportingBuilder AddK8sEventReporting(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAdd(ServiceDescriptor.Singleton(typeof(IKubernetes), KubernetesClientFactory.DefaultClient));
        services.AddEventReporting();
        services.TryAddSingleton(static sp => new ControllerMetrics(K8sEventReportingDiagnostics.CreateMeter(sp.GetRequiredService<IMeterFactory>())!));
        services.AddOptions<ControllerOptions>().ValidateOnStart();
        services.AddOptions<LeaderElectionOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ControllerOptions>, ControllerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LeaderElectionOptions>, LeaderElectionOptionsValidator>());
        services.TryAddSingleton<ControllerHostedService>();
        services.TryAddSingleton<IControllerHealth>(sp => sp.GetRequiredService<ControllerHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ControllerHostedService>(sp => sp.GetRequiredService<ControllerHostedService>()));
        services.AddOptions<HealthProbeOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthProbeOptions>, HealthProbeOptionsValidator>());
        AddHealthChecks(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HealthProbeHostedService>());
        UseStartupCheck(services);
        CheckedHostLifetime.Decorate(services);
        return new K8sEventReportingBuilder(services);
    }

    /// <summary>
    /// Lets the application's own HTTP server answer the health probes (<see cref="HealthProbeOptions"/>): the library then
    /// starts no probe server of its own, so the process runs one HTTP server. Map the checks tagged
    /// <see cref="HealthProbeOptions.ReadinessTag"/> and <see cref="HealthProbeOptions.LivenessTag"/> on
    /// <see cref="HealthProbeOptions.ReadinessPath"/> and <see cref="HealthProbeOptions.LivenessPath"/> (the admission
    /// webhook calls this and serves them on its Kestrel).
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection ServeHealthProbesWithApplicationServer(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<HealthProbesServedElsewhere>();
        return services;
    }

    private static void AddHealthChecks(IServiceCollection services)
    {
        // Once: HealthCheckServiceOptions keeps every registration, and a name registered twice fails the report.
        if (services.Any(static d => d.ServiceType == typeof(ControllerHealthChecks)))
        {
            return;
        }

        // Registrations only, not AddHealthChecks(): its service and publisher need logging, which a composition may lack.
        // An application that maps health checks calls AddHealthChecks() itself and gets these with its own.
        services.AddSingleton<ControllerHealthChecks>();
        services.Configure<HealthCheckServiceOptions>(static o =>
        {
            o.Registrations.Add(new HealthCheckRegistration(
                ControllerHealthChecks.ReadinessName, static sp => new ControllerHealthChecks.Readiness(sp.GetRequiredService<IControllerHealth>()), null, [HealthProbeOptions.ReadinessTag]));
            o.Registrations.Add(new HealthCheckRegistration(
                ControllerHealthChecks.LivenessName, static sp => new ControllerHealthChecks.Liveness(sp.GetRequiredService<IControllerHealth>()), null, [HealthProbeOptions.LivenessTag]));
        });
    }

    /// <summary>
    /// Makes <see cref="StartupCheck"/> the host's start-up validator: the host resolves the LAST <see cref="IStartupValidator"/>,
    /// and a <c>ValidateOnStart</c> call (Microsoft.Extensions.Options 8 adds its own validator on every call) may add one after
    /// it, so it is moved to the end each time the library registers something. It runs the others itself.
    /// </summary>
    /// <param name="services">The application's services.</param>
    internal static void UseStartupCheck(IServiceCollection services)
    {
        services.TryAddSingleton(static sp => new StartupCheck(sp));
        foreach (var descriptor in services.Where(static d => d.ImplementationFactory == StartupCheckFactory).ToArray())
        {
            services.Remove(descriptor);
        }

        services.Add(ServiceDescriptor.Singleton(typeof(IStartupValidator), StartupCheckFactory));
    }

    private static readonly Func<IServiceProvider, object> StartupCheckFactory = static sp => sp.GetRequiredService<StartupCheck>();
}
