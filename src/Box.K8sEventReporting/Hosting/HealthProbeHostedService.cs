using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Serves <see cref="HealthProbeOptions.ReadinessPath"/> and <see cref="HealthProbeOptions.LivenessPath"/> from the registered
/// health checks while the host runs, on a <see cref="HealthProbeServer"/>; does nothing unless
/// <see cref="HealthProbeOptions.Enabled"/>, or when the application's own HTTP server answers the probes
/// (<see cref="Microsoft.Extensions.DependencyInjection.K8sEventReportingServiceCollectionExtensions.ServeHealthProbesWithApplicationServer"/>).
/// </summary>
internal sealed class HealthProbeHostedService : IHostedService, IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly IOptions<HealthProbeOptions> _options;
    private readonly StartupCheck? _check;
    private readonly bool _servedElsewhere;
    private readonly ILogger _logger;
    private HealthProbeServer? _server;

    public HealthProbeHostedService(
        IServiceProvider services,
        IOptions<HealthProbeOptions> options,
        ILoggerFactory? loggerFactory = null,
        StartupCheck? check = null,
        HealthProbesServedElsewhere? servedElsewhere = null)
    {
        // Options are read at start, after the start-up check: a bad value is one logged line, not a failed construction.
        _services = services;
        _options = options;
        _check = check;
        _servedElsewhere = servedElsewhere is not null;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Box.K8sEventReporting.Hosting.Health");
    }

    internal string Prefix => string.Create(CultureInfo.InvariantCulture, $"http://{FormatHost(_options.Value.Address)}:{_options.Value.Port}/");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_check?.Run() is not null || !_options.Value.Enabled || _servedElsewhere)
        {
            return Task.CompletedTask;
        }

        try
        {
            _server = HealthProbeServer.Start(_options.Value.Address, _options.Value.Port, (path, ct) => AnswerAsync(_services, path, ct), ex => Log.HealthProbeFailed(_logger, ex));
        }
        catch (SocketException ex)
        {
            var problem = string.Create(
                CultureInfo.InvariantCulture,
                $"cannot serve health probes on {Prefix}: {ex.Message}. Free the port, or set K8sEventReporting:Health:Port (was {_options.Value.Port}) or K8sEventReporting:Health:Address, or set K8sEventReporting:Health:Enabled to false.");
            if (_check is null)
            {
                // Composed without AddK8sEventReporting: no start-up check to report through.
                throw new InvalidOperationException(problem, ex);
            }

            // Like Kestrel on a taken port the host does not run, but with one line that says what to change.
            Log.HealthProbesStartFailed(_logger, ex);
            _check.Fail(problem);
            return Task.CompletedTask;
        }

        Log.HealthProbesListening(_logger, Prefix, HealthProbeOptions.ReadinessPath, HealthProbeOptions.LivenessPath);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _server, null) is not { } server)
        {
            return;
        }

        await server.DisposeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.HealthProbesStopped(_logger, Prefix);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Answers one probe path from the health checks tagged for it: status code and a one-line body.</summary>
    /// <remarks>
    /// Runs the registrations itself rather than through <see cref="HealthCheckService"/>, whose default implementation needs
    /// logging registered: a composition without logging still gets its probes. A check that throws is unhealthy.
    /// </remarks>
    internal static async Task<(int StatusCode, string Body)> AnswerAsync(IServiceProvider services, string? path, CancellationToken cancellationToken)
    {
        var tag = path switch
        {
            HealthProbeOptions.ReadinessPath => HealthProbeOptions.ReadinessTag,
            HealthProbeOptions.LivenessPath => HealthProbeOptions.LivenessTag,
            _ => null,
        };
        if (tag is null)
        {
            return (404, "not found: probe " + HealthProbeOptions.ReadinessPath + " or " + HealthProbeOptions.LivenessPath + "\n");
        }

        var results = new List<(bool Failing, string Description)>();
        foreach (var registration in services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Where(r => r.Tags.Contains(tag)))
        {
            try
            {
                var result = await registration.Factory(services).CheckHealthAsync(new HealthCheckContext { Registration = registration }, cancellationToken).ConfigureAwait(false);
                var status = result.Status == HealthStatus.Unhealthy ? registration.FailureStatus : result.Status;
                results.Add((status == HealthStatus.Unhealthy, result.Exception is { } thrown ? "the health check threw " + thrown.GetType().Name : result.Description ?? status.ToString()));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                results.Add((registration.FailureStatus == HealthStatus.Unhealthy, "the health check threw " + ex.GetType().Name));
            }
        }

        var failing = results.Exists(static r => r.Failing);
        var line = (failing ? "failing: " : "ok: ") + string.Join("; ", results.Where(r => !failing || r.Failing).Select(static r => r.Description));
        return (failing ? 503 : 200, line + "\n");
    }

    private static string FormatHost(string address) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address.Trim('[', ']') + "]" : address;
}

/// <summary>Registered when the application's own HTTP server answers the probes: the library then starts no server of its own.</summary>
internal sealed class HealthProbesServedElsewhere;
