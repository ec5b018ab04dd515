using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Admission;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Validation;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the validating admission webhook to a controller.</summary>
public static class AdmissionWebhookControllerBuilderExtensions
{
    /// <summary>
    /// Answers the API server's validating admission requests for <typeparamref name="T"/> with the controller's own
    /// validators, over HTTPS on its own port (<see cref="AdmissionWebhookOptions"/>, section <c>Admission</c>, validated at
    /// start): in <see cref="AdmissionMode.Warn"/> (the default) each failure is an admission warning and the object is
    /// stored; in <see cref="AdmissionMode.Deny"/> it is refused with the failures as the Status's causes. A validator that
    /// throws or runs past <see cref="AdmissionWebhookOptions.ValidationTimeout"/> never blocks: allowed, with a warning.
    /// </summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <param name="builder">The controller's builder.</param>
    /// <param name="configure">Changes the webhook's options (shared by every type) after they are bound from configuration.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// The path is <c>/validate-&lt;group, dots as dashes&gt;-&lt;version&gt;-&lt;kind, lowercase&gt;</c> (for example
    /// <c>/validate-box-com-v1-pki</c>). The serving certificate comes from the control plane's CA
    /// (<c>AddCertificateIssuer()</c>, added if missing) for <c>&lt;ServiceName&gt;.&lt;namespace&gt;.svc</c> (for the host of
    /// <see cref="AdmissionWebhookOptions.Url"/> when the API server calls it by URL), and is renewed at
    /// <see cref="Box.K8sEventReporting.Certificates.CertificateOptions.RenewAtFractionOfLifetime"/> of its life without a restart. With
    /// <see cref="AdmissionWebhookOptions.WebhookConfigurationName"/> set, the CA bundle is written into that
    /// ValidatingWebhookConfiguration's webhooks served by the Service (or at the URL) at start (RBAC: <c>get</c> and <c>patch</c> on
    /// <c>validatingwebhookconfigurations</c> with <c>resourceNames</c> of exactly it). Readiness (the checks tagged <see cref="HealthProbeOptions.ReadinessTag"/>)
    /// waits for the listener and its certificate.
    /// </remarks>
    public static ControllerBuilder<T> AddAdmissionWebhook<T>(this ControllerBuilder<T> builder, Action<AdmissionWebhookOptions>? configure = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(static d => d.ServiceType == typeof(AdmissionWebhookServer)))
        {
            AddServer(services);
        }

        // After the configuration's bind (registered by the first call): what the code sets wins over appsettings.
        if (configure is not null)
        {
            services.Configure(configure);
        }

        AddEndpoint<T>(services);
        return builder;
    }

    private static void AddServer(IServiceCollection services)
    {
        services.AddK8sEventReporting()
            .AddCertificateIssuer()
            .AddOptionsSection<AdmissionWebhookOptions>(AdmissionWebhookOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdmissionWebhookOptions>, AdmissionWebhookOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(static sp => new AdmissionMetrics(sp.GetRequiredService<IMeterFactory>()));
        services.TryAddSingleton<AdmissionWebhookServer>();
        services.TryAddSingleton<IAdmissionWebhookListener>(static sp => sp.GetRequiredService<AdmissionWebhookServer>());
        services.Configure<HealthCheckServiceOptions>(static o => o.Registrations.Add(new HealthCheckRegistration(
            "k8s-event-reporting-admission-webhook",
            static sp => sp.GetRequiredService<AdmissionWebhookServer>(),
            failureStatus: null,
            tags: [HealthProbeOptions.ReadinessTag])));
        services.ServeHealthProbesWithApplicationServer();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AdmissionWebhookServer>(static sp => sp.GetRequiredService<AdmissionWebhookServer>()));
    }

    private static void AddEndpoint<T>(IServiceCollection services)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAdmissionEndpoint, AdmissionEndpoint<T>>(static sp =>
        {
            var reviewer = new Lazy<AdmissionReviewer<T>>(() => new AdmissionReviewer<T>(
                sp.GetServices<IValidator<T>>(),
                sp.GetRequiredService<IOptions<AdmissionWebhookOptions>>().Value,
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Box.K8sEventReporting.Admission"),
                sp.GetService<AdmissionMetrics>()));
            return new AdmissionEndpoint<T>(reviewer, AdmissionPaths.For(KubernetesEntityMetadata.Of<T>()));
        }));
    }
}
