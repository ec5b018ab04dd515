using Box.K8sEventReporting.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Admission;

/// <summary>
/// Answers the kubelet's probes on the webhook's Kestrel (its plain-HTTP listener on the health port), from the same tagged
/// health checks and with the same answers as the library's own probe server, so that the process runs one HTTP server.
/// </summary>
/// <remarks>The registrations are run directly (not through <see cref="HealthCheckService"/>), as the library's server does.</remarks>
internal sealed class HealthProbeEndpoint(IServiceProvider services)
{
    public async Task HandleAsync(HttpContext context)
    {
        var tag = context.Request.Path.Value switch
        {
            HealthProbeOptions.ReadinessPath => HealthProbeOptions.ReadinessTag,
            HealthProbeOptions.LivenessPath => HealthProbeOptions.LivenessTag,
            _ => null,
        };
        int status;
        string body;
        if (tag is null)
        {
            (status, body) = (StatusCodes.Status404NotFound, "not found: probe " + HealthProbeOptions.ReadinessPath + " or " + HealthProbeOptions.LivenessPath);
        }
        else
        {
            var results = new List<(bool Failing, string Description)>();
            foreach (var registration in services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Where(r => r.Tags.Contains(tag)))
            {
                try
                {
                    var result = await registration.Factory(services).CheckHealthAsync(new HealthCheckContext { Registration = registration }, context.RequestAborted).ConfigureAwait(false);
                    var state = result.Status == HealthStatus.Unhealthy ? registration.FailureStatus : result.Status;
                    results.Add((state == HealthStatus.Unhealthy, result.Exception is { } thrown ? "the health check threw " + thrown.GetType().Name : result.Description ?? state.ToString()));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
                {
                    results.Add((registration.FailureStatus == HealthStatus.Unhealthy, "the health check threw " + ex.GetType().Name));
                }
            }

            var failing = results.Exists(static r => r.Failing);
            (status, body) = (
                failing ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK,
                (failing ? "failing: " : "ok: ") + string.Join("; ", results.Where(r => !failing || r.Failing).Select(static r => r.Description)));
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(body + "\n", context.RequestAborted).ConfigureAwait(false);
    }
}
