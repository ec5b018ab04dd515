using System.Collections.Concurrent;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Testing.ApiServer;
using Box.K8sEventReporting.Validation;
using ControlPlane;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>
/// One control-plane replica, composed like the sample: Pkis validated against allowed service names, Warnings on the pods
/// consuming the Pki's Secret, the Secret provisioned for valid Pkis (and again if deleted), all over real HTTP.
/// </summary>
internal sealed class ControlPlaneReplica : IAsyncDisposable
{
    public const string LeaseNamespace = "controlplane";
    private readonly IHost _host;
    private bool _stopped;

    private ControlPlaneReplica(IHost host, string identity)
    {
        _host = host;
        Identity = identity;
    }

    public string Identity { get; }

    public IControllerHealth Health => _host.Services.GetRequiredService<IControllerHealth>();

    public IResourceController<Pki> Controller => _host.Services.GetRequiredService<IResourceController<Pki>>();

    public ConcurrentQueue<string> Provisioned { get; } = new();

    public ConcurrentQueue<string> Validated { get; } = new();

    public static async Task<ControlPlaneReplica> StartAsync(
        InProcessApiServer server,
        AllowedServiceNames allowed,
        string identity = "replica-1",
        bool leaderElection = false,
        Action<ControllerOptions>? configure = null,
        string leaseNamespace = LeaseNamespace,
        ILoggerProvider? logs = null)
    {
        if (leaseNamespace == LeaseNamespace)
        {
            server.EnsureNamespace(LeaseNamespace);
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        ControlPlaneReplica? replica = null;
        builder.Services.AddSingleton(allowed);
        builder.Services.AddK8sEventReporting()
            .UseKubernetesClient(server.CreateClientConfiguration())
            .ConfigureControllers(o =>
            {
                o.ShutdownTimeout = TimeSpan.FromSeconds(2);
                configure?.Invoke(o);
            })
            .ConfigureLeaderElection(o =>
            {
                o.Enabled = leaderElection;
                o.Identity = identity;
                o.LeaseNamespace = leaseNamespace;
                o.LeaseDuration = TimeSpan.FromSeconds(2);
                o.RenewDeadline = TimeSpan.FromSeconds(1.5);
                o.RetryPeriod = TimeSpan.FromMilliseconds(200);
            })
            .AddController<Pki>(c => c
                .AddValidator((pki, _) =>
                {
                    replica!.Validated.Enqueue(pki.Metadata.Name);
                    return ValueTask.FromResult(allowed.Validate(pki));
                })
                .ReportOnPodsConsumingSecret(pki => pki.Metadata.Name)
                .AddReconciler((pki, ct) => replica!.ProvisionSecretAsync(pki, ct))
                .Owns<V1Secret>());
        builder.Services.Configure<Box.K8sEventReporting.Reporting.EventReporterOptions>(o =>
        {
            o.ReportingInstance = identity;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
            o.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
        });
        var host = builder.Build();
        replica = new ControlPlaneReplica(host, identity);
        await host.StartAsync();
        return replica;
    }

    /// <summary>Stops the host as a crash would look to the others: the lease is not released.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }

    private async ValueTask<ReconcileResult> ProvisionSecretAsync(Pki pki, CancellationToken cancellationToken)
    {
        // The library's owned-child writer: it reads the (managed-by labelled) Secret cache and writes only Secrets the Pki controls.
        var secrets = _host.Services.GetRequiredService<OwnedChildWriter<V1Secret>>();
        var desired = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = pki.Metadata.Name },
            Data = new Dictionary<string, byte[]> { ["service"] = System.Text.Encoding.UTF8.GetBytes(pki.Spec?.ServiceName ?? string.Empty) },
        };
        var result = await secrets.EnsureAsync(pki, desired, cancellationToken);
        if (result.Outcome == OwnedChildOutcome.Created)
        {
            Provisioned.Enqueue($"{pki.Metadata.NamespaceProperty}/{pki.Metadata.Name}");
        }

        return result.ToReconcileResult();
    }
}

/// <summary>The allowed service names; tests change them to simulate the AllowedNames ConfigMap changing.</summary>
internal sealed class AllowedServiceNames(params string[] names)
{
    private volatile HashSet<string> _names = new(names, StringComparer.Ordinal);

    public void Set(params string[] names) => _names = new HashSet<string>(names, StringComparer.Ordinal);

    public ValidationResult Validate(Pki pki)
    {
        var serviceName = pki.Spec?.ServiceName;
        return serviceName is not null && _names.Contains(serviceName)
            ? ValidationResult.Success
            : ValidationResult.Fail(new ValidationFailure(
                "spec.serviceName",
                "ServiceNameNotAllowed",
                $"Pki {pki.Metadata.NamespaceProperty}/{pki.Metadata.Name}: spec.serviceName '{serviceName}' is not an allowed service name."));
    }
}
