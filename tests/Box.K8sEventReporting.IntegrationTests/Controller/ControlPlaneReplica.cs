using System.Collections.Concurrent;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing.ApiServer;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
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

    public static Task<ControlPlaneReplica> StartAsync(
        InProcessApiServer server,
        AllowedServiceNames allowed,
        string identity = "replica-1",
        bool leaderElection = false,
        Action<ControllerOptions>? configure = null,
        string leaseNamespace = LeaseNamespace,
        ILoggerProvider? logs = null,
        ReportLedger? ledger = null,
        KubernetesClientConfiguration? configuration = null)
    {
        if (leaseNamespace == LeaseNamespace)
        {
            server.EnsureNamespace(LeaseNamespace);
        }

        return StartAsync(configuration ?? server.CreateClientConfiguration(), [], allowed, identity, leaderElection, configure, leaseNamespace, logs, ledger);
    }

    /// <summary>Starts a replica on the cluster fixture that watches only <paramref name="namespaces"/> (a real cluster has other Pkis).</summary>
    public static Task<ControlPlaneReplica> StartAsync(
        ClusterFixture cluster,
        IReadOnlyList<string> namespaces,
        AllowedServiceNames allowed,
        string identity = "replica-1",
        bool leaderElection = false,
        string? leaseNamespace = null,
        ILoggerProvider? logs = null,
        ReportLedger? ledger = null) =>
        StartAsync(cluster.ControlPlaneConfiguration, namespaces, allowed, identity, leaderElection, null, leaseNamespace ?? LeaseNamespace, logs, ledger);

    private static async Task<ControlPlaneReplica> StartAsync(
        KubernetesClientConfiguration configuration,
        IReadOnlyList<string> namespaces,
        AllowedServiceNames allowed,
        string identity,
        bool leaderElection,
        Action<ControllerOptions>? configure,
        string leaseNamespace,
        ILoggerProvider? logs,
        ReportLedger? ledger)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        ControlPlaneReplica? replica = null;
        builder.Services.AddSingleton(allowed);
        if (ledger is not null)
        {
            builder.Services.AddSingleton(sp => ledger.Decorate(sp.GetRequiredService<KubernetesEventRecorder>()));
        }

        builder.Services.AddK8sEventReporting()
            .UseKubernetesClient(configuration)
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
                if (namespaces.Count > 0)
                {
                    // The control plane's Role grants Leases in its own namespace only: one Lease per test there.
                    o.LeaseName = "lease-" + namespaces[0];
                }
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
        builder.Services.ConfigureAll<CustomResourceWatcherOptions>(o =>
        {
            foreach (var ns in namespaces)
            {
                o.Namespaces.Add(ns);
            }
        });
        builder.Services.Configure<EventReporterOptions>(o =>
        {
            o.ReportingComponent = "controlplane";   // what ClusterAssertions and ReportLedger filter by
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

    /// <summary>Stops reconciling, then writes every Event report still waiting (spam filter, failed writes), as a graceful shutdown does.</summary>
    public async Task StopAndFlushAsync()
    {
        await StopAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.Services.GetRequiredService<KubernetesEventRecorder>().FlushAsync(timeout.Token);
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
