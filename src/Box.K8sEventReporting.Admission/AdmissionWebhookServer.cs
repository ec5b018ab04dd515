using System.Globalization;
using System.Net;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Primitives;
using k8s;
using k8s.Autorest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Admission;

/// <summary>
/// The admission webhook's HTTPS listener (Kestrel on its own port, in the control plane's process): a serving certificate
/// for <c>&lt;service&gt;.&lt;namespace&gt;.svc</c> (or for the host of <see cref="AdmissionWebhookOptions.Url"/>) issued
/// by the control plane's CA and renewed before expiry without a restart, the CA bundle written into the webhook
/// configuration at start, and readiness until it serves.
/// </summary>
internal sealed class AdmissionWebhookServer(
    IServiceProvider services,
    IOptions<AdmissionWebhookOptions> options,
    TimeProvider timeProvider,
    ILoggerFactory? loggerFactory = null) : IHostedService, IHealthCheck, IAdmissionWebhookListener, IDisposable
{
    // Certificate and CA bundle retries: one replica's own writes, spread like every other retry of the library.
    private static readonly BackoffPolicy Retry = new(TimeSpan.FromSeconds(1), 2, 0.2, TimeSpan.FromMinutes(5));
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly ILogger _logger = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Box.K8sEventReporting.Admission");
    private readonly ServingCertificate _certificate = new();
    private readonly AdmissionMetrics? _metrics = services.GetService<AdmissionMetrics>();
    private readonly TaskCompletionSource<Uri> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private Uri? _endpoint;
    private Task _background = Task.CompletedTask;
    private int _disposed;

    public string? NotReadyReason =>
        _app is null ? "the admission webhook is not listening"
        : _certificate.Current is null ? "the admission webhook has no serving certificate yet"
        : null;

    public string? CertificatePem => _certificate.Pem;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(NotReadyReason is { } reason ? HealthCheckResult.Unhealthy(reason) : HealthCheckResult.Healthy("the admission webhook is serving"));

    public Task<Uri> WaitUntilServingAsync(CancellationToken cancellationToken = default) => _serving.Task.WaitAsync(cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var check = services.GetService<StartupCheck>();
        if (check?.Run() is not null)
        {
            return;
        }

        var settings = options.Value;
        var handler = new AdmissionRequestHandler(services.GetServices<IAdmissionEndpoint>(), _logger, _metrics);
        var probes = services.GetService<IOptions<HealthProbeOptions>>()?.Value is { Enabled: true } health ? health : null;
        var probeEndpoint = probes is null ? null : new HealthProbeEndpoint(services);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = AdmissionRequestHandler.MaxBodyBytes;
            k.Listen(IPAddress.Parse(settings.Address), settings.Port, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, _) => _certificate.Current });
            });

            // The kubelet's probes, in plain HTTP on the health port: the library starts no probe server of its own.
            if (probes is not null)
            {
                if (probes.Address == "*")
                {
                    k.ListenAnyIP(probes.Port);
                }
                else if (IPAddress.TryParse(probes.Address.Trim('[', ']'), out var probeAddress))
                {
                    k.Listen(probeAddress, probes.Port);
                }
                else
                {
                    k.ListenLocalhost(probes.Port);
                }
            }
        });
        var app = builder.Build();
        app.Run(context => probeEndpoint is not null && !context.Request.IsHttps ? probeEndpoint.HandleAsync(context) : handler.HandleAsync(context));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            Log.StartFailed(_logger, ex);
            var problem = probes is null
                ? string.Create(CultureInfo.InvariantCulture, $"cannot serve the admission webhook on {settings.Address}:{settings.Port}: {ex.Message}. Free the port, or set K8sEventReporting:Admission:Port or K8sEventReporting:Admission:Address.")
                : string.Create(CultureInfo.InvariantCulture, $"cannot serve the admission webhook on {settings.Address}:{settings.Port} and its health probes on {probes.Address}:{probes.Port}: {ex.Message}. Free the ports, or set K8sEventReporting:Admission:Port, K8sEventReporting:Admission:Address, K8sEventReporting:Health:Port or K8sEventReporting:Health:Address.");
            if (check is null)
            {
                throw new InvalidOperationException(problem, ex);
            }

            check.Fail(problem);
            return;
        }

        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(static a => a.StartsWith("https:", StringComparison.Ordinal))).Port;
        var host = IPAddress.Parse(settings.Address) is var ip && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)) ? "127.0.0.1" : settings.Address;
        _endpoint = new UriBuilder("https", host, port).Uri;
        _app = app;
        var address = settings.Url is { } url
            ? WebhookAddress.ForUrl(url, handler.Paths)
            : WebhookAddress.ForService(settings.ServiceName, PodNamespace.Resolve(settings.ServiceNamespace));
        var paths = string.Join(", ", handler.Paths);
        // Where it really listens (0.0.0.0 is every address), not the loopback endpoint kept above for local callers.
        var listening = new IPEndPoint(IPAddress.Parse(settings.Address), port);
        var scope = listening.Address.Equals(IPAddress.Any) ? " (all IPv4 addresses)" : listening.Address.Equals(IPAddress.IPv6Any) ? " (all addresses)" : string.Empty;
        var listens = $"https://{listening}/{scope}";
        Log.Listening(_logger, listens, paths, address.Description);
        // Resolved only now, after the start-up check: the issuer needs the Kubernetes client, which a bad kubeconfig breaks.
        var issuer = services.GetRequiredService<ICertificateIssuer>();
        _background = Task.Run(() => RunAsync(issuer, settings, address, _stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not { } app)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _background.WaitAsync(cancellationToken).ConfigureAwait(false);
        await app.StopAsync(cancellationToken).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        _app = null;
        Log.Stopped(_logger, _endpoint!);
    }

    public void Dispose()
    {
        // Idempotent: the container disposes it once per registration it is resolved through.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _stopping.Dispose();
        _certificate.Dispose();
    }

    private async Task RunAsync(ICertificateIssuer issuer, AdmissionWebhookOptions settings, WebhookAddress address, CancellationToken cancellationToken)
    {
        Task? caBundle = null;
        try
        {
            for (var failures = 0; ;)
            {
                ICertificateAuthority authority;
                IssuedCertificate issued;
                try
                {
                    authority = await issuer.GetAuthorityAsync(cancellationToken).ConfigureAwait(false);
                    issued = authority.Issue(address.CommonName, address.DnsNames, address.IpAddresses);
                }
                catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or InvalidOperationException or ArgumentException or NotSupportedException)
                {
                    var delay = Retry.Delay(++failures, Random.Shared);
                    Log.CertificateFailed(_logger, ex.Message, delay);
                    await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                failures = 0;
                _certificate.Replace(issued);
                _metrics?.CertificateIssued();
                var description = issued.ToString();
                Log.CertificateIssued(_logger, description);
                _serving.TrySetResult(_endpoint!);
                if (caBundle is null && settings.WebhookConfigurationName is { Length: > 0 } configuration)
                {
                    var writer = new CaBundleWriter(services.GetRequiredService<IKubernetes>(), configuration, address);
                    caBundle = WriteCaBundleAsync(writer, configuration, address, authority.CertificatePem, cancellationToken);
                }

                // A day at a time: a timer cannot wait 60 days at once, and the clock is read again after each wait.
                for (var renewIn = issued.RenewAt - timeProvider.GetUtcNow(); renewIn > TimeSpan.Zero; renewIn = issued.RenewAt - timeProvider.GetUtcNow())
                {
                    await Task.Delay(renewIn < LongestWait ? renewIn : LongestWait, timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        if (caBundle is not null)
        {
            await caBundle.ConfigureAwait(false);
        }
    }

    private async Task WriteCaBundleAsync(CaBundleWriter writer, string configuration, WebhookAddress address, string caPem, CancellationToken cancellationToken)
    {
        try
        {
            for (var failures = 0; ; failures++)
            {
                string reason, result;
                try
                {
                    var (done, webhooks) = await writer.WriteAsync(caPem, cancellationToken).ConfigureAwait(false);
                    switch (done)
                    {
                        case CaBundleWriter.Result.Patched:
                            _metrics?.CaBundleWritten("patched");
                            Log.CaBundlePatched(_logger, webhooks, configuration);
                            break;
                        case CaBundleWriter.Result.Unchanged:
                            _metrics?.CaBundleWritten("unchanged");
                            Log.CaBundleUnchanged(_logger, configuration);
                            break;
                        default:
                            _metrics?.CaBundleWritten("no_matching_webhook");
                            if (address.IsUrl)
                            {
                                Log.NoMatchingUrlWebhook(_logger, configuration, address.Description);
                            }
                            else
                            {
                                Log.NoMatchingWebhook(_logger, configuration, address.Description);
                            }

                            break;
                    }

                    return;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    (result, reason) = ("not_found", "it does not exist (apply it, e.g. from config.yml)");
                }
                catch (Exception e) when (e is HttpOperationException or HttpRequestException)
                {
                    (result, reason) = ("failed", e is HttpOperationException h ? $"{(int)h.Response.StatusCode} {h.Message}" : e.Message);
                }

                _metrics?.CaBundleWritten(result);
                var delay = Retry.Delay(failures + 1, Random.Shared);
                Log.CaBundleFailed(_logger, configuration, reason, delay);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
