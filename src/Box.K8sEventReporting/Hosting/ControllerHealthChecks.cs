using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// The controllers' readiness and liveness as <see cref="IHealthCheck"/>s (tagged <see cref="HealthProbeOptions.ReadinessTag"/>
/// and <see cref="HealthProbeOptions.LivenessTag"/>), so that the probe endpoint and an application's own
/// <c>MapHealthChecks</c> read the same checks, together with any other part's (the admission webhook's).
/// </summary>
internal sealed class ControllerHealthChecks
{
    /// <summary>The names the checks are registered under.</summary>
    public const string ReadinessName = "k8s-event-reporting-controllers-ready";

    /// <summary>The names the checks are registered under.</summary>
    public const string LivenessName = "k8s-event-reporting-controllers-live";

    /// <summary>Ready: caches synced and leading or standing by.</summary>
    public sealed class Readiness(IControllerHealth health) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var report = health.Check();
            return Task.FromResult(report.IsReady ? HealthCheckResult.Healthy(report.Description) : HealthCheckResult.Unhealthy(report.Description));
        }
    }

    /// <summary>Live: the loop makes progress.</summary>
    public sealed class Liveness(IControllerHealth health) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var report = health.Check();
            return Task.FromResult(report.IsLive ? HealthCheckResult.Healthy(report.Description) : HealthCheckResult.Unhealthy(report.Description));
        }
    }
}
