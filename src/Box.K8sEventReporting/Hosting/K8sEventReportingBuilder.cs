using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Reporting;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Returned by <c>AddK8sEventReporting</c>: adds controllers and chooses the Kubernetes client.</summary>
public sealed class K8sEventReportingBuilder
{
    internal K8sEventReportingBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Uses a Kubernetes client built from <paramref name="configuration"/> instead of the default one, unless the application
    /// registered its own <see cref="IKubernetes"/> first.
    /// </summary>
    /// <param name="configuration">The cluster to talk to, for example from <c>KubernetesClientConfiguration.BuildConfigFromConfigFile</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Without this call, the client is built at start from <c>KUBECONFIG</c>, <c>~/.kube/config</c> or the pod's service
    /// account; when none exists, the host logs one line saying so and stops with exit code 1.
    /// </remarks>
    public K8sEventReportingBuilder UseKubernetesClient(KubernetesClientConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var defaults = Services.Where(static d => d.ServiceType == typeof(IKubernetes) && d.ImplementationFactory == KubernetesClientFactory.DefaultClient).ToArray();
        foreach (var descriptor in defaults)
        {
            Services.Remove(descriptor);
        }

        Services.TryAddSingleton<IKubernetes>(_ => KubernetesClientFactory.Create(configuration));
        return this;
    }

    /// <summary>Changes the controllers' options after they are bound from configuration.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is <see langword="null"/>.</exception>
    public K8sEventReportingBuilder ConfigureControllers(Action<ControllerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Changes the Event recorder's options (<c>Events</c>) after they are bound from configuration.</summary>
    /// <param name="configure">Changes the options, for example <c>events =&gt; events.ReportingComponent = "controlplane"</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is <see langword="null"/>.</exception>
    public K8sEventReportingBuilder ConfigureEvents(Action<Reporting.EventReporterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Changes the leader election options after they are bound from configuration.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is <see langword="null"/>.</exception>
    public K8sEventReportingBuilder ConfigureLeaderElection(Action<LeaderElectionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>
    /// Serves the controllers' health on HTTP for a Deployment's probes: <c>/readyz</c> and <c>/livez</c> on port 8081 by
    /// default (see <see cref="HealthProbeOptions"/>). The same as setting <c>K8sEventReporting:Health:Enabled</c> to true.
    /// </summary>
    /// <param name="configure">Changes the options (port, address) after they are bound from configuration.</param>
    /// <returns>This builder.</returns>
    /// <remarks>
    /// An application that already runs ASP.NET Core can skip this and answer its own probes from
    /// <see cref="IControllerHealth.Check"/>, which it resolves from the services.
    /// </remarks>
    public K8sEventReportingBuilder AddHealthProbes(Action<HealthProbeOptions>? configure = null)
    {
        Services.Configure<HealthProbeOptions>(options =>
        {
            options.Enabled = true;
            configure?.Invoke(options);
        });
        return this;
    }

    /// <summary>
    /// Adds an <see cref="ICertificateIssuer"/>: TLS certificates signed by the control plane's own CA, which is kept in a
    /// Secret in the control plane's namespace (created on first use, shared by every replica). Its options
    /// (<see cref="CertificateOptions"/>, section <c>Certificates</c>) are validated at start.
    /// </summary>
    /// <param name="configure">Changes the options after they are bound from configuration.</param>
    /// <returns>This builder.</returns>
    /// <remarks>The service account needs <c>get</c> and <c>create</c> on <c>secrets</c> in the CA's namespace.</remarks>
    public K8sEventReportingBuilder AddCertificateIssuer(Action<CertificateOptions>? configure = null)
    {
        if (configure is not null)
        {
            Services.Configure(configure);
        }

        Services.AddOptions<CertificateOptions>().ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CertificateOptions>, CertificateOptionsValidator>());
        Services.TryAddSingleton<ICertificateIssuer>(sp => new CertificateIssuer(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<IOptions<CertificateOptions>>(),
            sp.GetService<ILogger<CertificateIssuer>>(),
            sp.GetService<TimeProvider>()));
        return this;
    }

    /// <summary>
    /// Adds the options of an extension to the library's configuration: <typeparamref name="TOptions"/> is bound from the
    /// subsection <paramref name="sectionName"/> of the section given to <c>AddK8sEventReporting</c> (if one was), validated
    /// at start with the library's own options (every problem in the one line that stops the host), and its keys are known,
    /// so that a misspelled one is named at start. Safe to call again for the same options.
    /// </summary>
    /// <typeparam name="TOptions">The options class.</typeparam>
    /// <param name="sectionName">The subsection's name, for example <c>Admission</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="sectionName"/> is null or white space.</exception>
    public K8sEventReportingBuilder AddOptionsSection<TOptions>(string sectionName)
        where TOptions : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionName);
        if (!Services.Any(d => d.ImplementationInstance is LibrarySection { OptionsType: var type } && type == typeof(TOptions)))
        {
            Services.AddSingleton(new LibrarySection(sectionName, typeof(TOptions)));
            Services.AddOptions<TOptions>()
                .Configure<IServiceProvider>((options, sp) => sp.GetService<LibraryConfiguration>()?.Section.GetSection(sectionName).Bind(options))
                .ValidateOnStart();
        }

        K8sEventReportingServiceCollectionExtensions.UseStartupCheck(Services);
        return this;
    }

    /// <summary>
    /// Adds the controller of <typeparamref name="T"/>: a shared watcher, a rate-limited queue and workers that validate each
    /// resource, report its problems and reconcile it once valid. Calling it again for the same type adds to it.
    /// </summary>
    /// <typeparam name="T">The resource type, with a <see cref="KubernetesEntityAttribute"/>.</typeparam>
    /// <param name="configure">Adds validators, a reconciler, pod reporting and secondary watches.</param>
    /// <returns>This builder.</returns>
    /// <remarks>
    /// A change that keeps <c>metadata.generation</c> (a status write, ours included; a label or annotation edit) is not
    /// reconciled again, so status writes cause no revalidation storm (<see cref="ControllerBuilder{T}.ReconcileOnUpdate"/>
    /// chooses other updates). Invalid resources are revalidated every
    /// <see cref="ControllerOptions.RevalidationInterval"/>; deleted ones no more.
    /// </remarks>
    public K8sEventReportingBuilder AddController<T>(Action<ControllerBuilder<T>>? configure = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var registration = Services
            .Where(d => d.ServiceType == typeof(ControllerRegistration<T>))
            .Select(d => d.ImplementationInstance)
            .OfType<ControllerRegistration<T>>()
            .FirstOrDefault();
        if (registration is null)
        {
            registration = new ControllerRegistration<T>();
            Services.AddSingleton(registration);
            Services.TryAddEnumerable(ServiceDescriptor.Singleton<IControllerHook, ControllerRegistration<T>>(_ => registration));
            Register(registration);
        }

        configure?.Invoke(new ControllerBuilder<T>(Services, registration));
        K8sEventReportingServiceCollectionExtensions.UseStartupCheck(Services);
        return this;
    }

    private void Register<T>(ControllerRegistration<T> registration)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        WatcherRegistration.TryAddWatcher<T>(Services);
        ReporterRegistration.TryAddReporting(Services);
        Services.TryAddSingleton(sp =>
        {
            var kind = ResourceController<T>.KindOf(typeof(T));
            var options = sp.GetRequiredService<IOptions<ControllerOptions>>().Value;
            var logger = (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Box.K8sEventReporting.Controller." + typeof(T).Name);
            var timeProvider = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            return new ResourceController<T>(
                new PrimarySource<T>(sp.GetRequiredService<Watching.ICustomResourceWatcher<T>>(), registration.UpdatePredicate, kind, logger, timeProvider, sp.GetService<ControllerMetrics>()),
                registration.SecondaryWatches.Select(create => create(sp)),
                ReporterRegistration.CreateReconciler<T>(sp, kind, options, logger),
                options,
                logger,
                timeProvider,
                sp.GetServices<IReconcileObserver>(),
                ReporterRegistration.CreateDecodeFailureReporter<T>(sp).ReportAsync,
                sp.GetRequiredService<StatusWriteQueue>().Activity,
                sp.GetService<ControllerMetrics>());
        });
        Services.TryAddSingleton<IResourceController<T>>(sp => sp.GetRequiredService<ResourceController<T>>());
        Services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IControllerRunner, ResourceController<T>>(sp => sp.GetRequiredService<ResourceController<T>>()));
    }
}
