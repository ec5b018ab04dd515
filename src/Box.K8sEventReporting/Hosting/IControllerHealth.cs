namespace Box.K8sEventReporting.Hosting;

/// <summary>The health of the controllers, for a Deployment's readiness and liveness probes.</summary>
/// <remarks>
/// Expose it however the application serves probes, for example an ASP.NET Core health check or a small HTTP endpoint:
/// readiness from <see cref="ControllerHealthReport.IsReady"/>, liveness from <see cref="ControllerHealthReport.IsLive"/>.
/// </remarks>
public interface IControllerHealth
{
    /// <summary>Checks the controllers now.</summary>
    /// <returns>The report; cheap to compute, safe to call often and from any thread.</returns>
    ControllerHealthReport Check();
}
