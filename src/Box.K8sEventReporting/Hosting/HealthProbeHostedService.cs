using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Serves <see cref="HealthProbeOptions.ReadinessPath"/> and <see cref="HealthProbeOptions.LivenessPath"/> from
/// <see cref="IControllerHealth"/> while the host runs; does nothing unless <see cref="HealthProbeOptions.Enabled"/>.
/// </summary>
/// <remarks>
/// <see cref="HttpListener"/> rather than a hand-written HTTP parser: it is in the shared framework (no package, no ASP.NET
/// Core), its managed Linux implementation handles HTTP/1.1 framing and keep-alive correctly, and closing it releases the
/// port. Requests are answered one at a time: each answer is a few bytes computed without I/O, so a probe never waits long.
/// Known limit (dotnet/corefx#35191, still in .NET 10's managed HttpListener on Linux): its endpoint listener binds, listens
/// and starts accepting before it creates its connection table, so a connection already queued at that first accept makes
/// <see cref="HttpListener.Start"/> throw <see cref="ArgumentNullException"/> with the port bound by a listener nobody can
/// reach or close; the host's start then fails (the kubelet restarts the container). Neither a retry nor another start
/// order avoids it from here; the fixes are in the runtime (create the table before the first accept) or another server.
/// </remarks>
internal sealed class HealthProbeHostedService : IHostedService, IDisposable
{
    private readonly IControllerHealth _health;
    private readonly IOptions<HealthProbeOptions> _options;
    private readonly StartupCheck? _check;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private HttpListener? _listener;
    private Task _serving = Task.CompletedTask;

    public HealthProbeHostedService(IControllerHealth health, IOptions<HealthProbeOptions> options, ILoggerFactory? loggerFactory = null, StartupCheck? check = null)
    {
        // Options are read at start, after the start-up check: a bad value is one logged line, not a failed construction.
        _health = health;
        _options = options;
        _check = check;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Box.K8sEventReporting.Hosting.Health");
    }

    internal string Prefix => string.Create(CultureInfo.InvariantCulture, $"http://{FormatHost(_options.Value.Address)}:{_options.Value.Port}/");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_check?.Run() is not null || !_options.Value.Enabled)
        {
            return Task.CompletedTask;
        }

        var listener = new HttpListener { IgnoreWriteExceptions = true };
        listener.Prefixes.Add(Prefix);
        try
        {
            listener.Start();
        }
        catch (Exception ex) when (ex is HttpListenerException or SocketException)
        {
            ((IDisposable)listener).Dispose();
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

        _listener = listener;
        _serving = ServeAsync(listener, _stopping.Token);
        Log.HealthProbesListening(_logger, Prefix, HealthProbeOptions.ReadinessPath, HealthProbeOptions.LivenessPath);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is not { } listener)
        {
            return;
        }

        _listener = null;
        await _stopping.CancelAsync().ConfigureAwait(false);

        // Close, not just Stop: it ends the pending GetContextAsync and releases the port.
        listener.Close();
        await _serving.WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.HealthProbesStopped(_logger, Prefix);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        (_listener as IDisposable)?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Decides the answer to one request: status code and body, without I/O.</summary>
    internal static (int StatusCode, string Body) Answer(string? path, IControllerHealth health)
    {
        var probe = path switch
        {
            HealthProbeOptions.ReadinessPath => (Func<ControllerHealthReport, bool>)(static r => r.IsReady),
            HealthProbeOptions.LivenessPath => static r => r.IsLive,
            _ => null,
        };
        if (probe is null)
        {
            return (404, "not found: probe " + HealthProbeOptions.ReadinessPath + " or " + HealthProbeOptions.LivenessPath + "\n");
        }

        var report = health.Check();
        return probe(report) ? (200, "ok: " + report.Description + "\n") : (503, "failing: " + report.Description + "\n");
    }

    private static string FormatHost(string address) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address.Trim('[', ']') + "]" : address;

    private async Task ServeAsync(HttpListener listener, CancellationToken cancellationToken)
    {
        // Off the caller's thread: StartAsync returns at once and the host goes on starting.
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The listener answers malformed requests itself: an error here means it is broken. Stop serving, so
                // the liveness probe fails and the kubelet restarts the pod, rather than spin on the same error.
                Log.HealthProbesFailed(_logger, ex, Prefix);
                return;
            }

            await RespondAsync(context, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RespondAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var response = context.Response;
        try
        {
            (int StatusCode, string Body) answer;
            try
            {
                answer = Answer(context.Request.Url?.AbsolutePath, _health);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A check that throws is unhealthy, never the listener's default 200.
                Log.HealthProbeFailed(_logger, ex);
                answer = (503, "failing: the health check threw " + ex.GetType().Name + "\n");
            }

            var (statusCode, body) = answer;
            var bytes = Encoding.UTF8.GetBytes(body);
            response.StatusCode = statusCode;
            response.ContentType = "text/plain; charset=utf-8";
            response.ContentLength64 = bytes.Length;
            response.Headers["Cache-Control"] = "no-store";
            await response.OutputStream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the connection is closed below.
        }
        catch (Exception ex)
        {
            // One client gone mid-answer must not end the endpoint.
            Log.HealthProbeFailed(_logger, ex);
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.HealthProbeFailed(_logger, ex);
            }
            catch (Exception)
            {
                // Stopping: the listener is closed and takes the connection with it.
            }
        }
    }
}
