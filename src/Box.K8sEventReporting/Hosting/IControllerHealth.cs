namespace Box.K8sEventReporting.Hosting;

/// <summary>The health of the controllers, for a Deployment's readiness and liveness probes.</summary>
/// <remarks>
/// The library can serve it for the kubelet itself (<see cref="HealthProbeOptions"/>, <c>K8sEventReporting:Health</c>).
/// An application that already uses ASP.NET Core can instead resolve this service and call <see cref="Check"/> from its
/// own endpoints or health checks: readiness from <see cref="ControllerHealthReport.IsReady"/>, liveness from
/// <see cref="ControllerHealthReport.IsLive"/>.
/// </remarks>
internal interface IControllerHealth
{
    /// <summary>Checks the controllers now.</summary>
    /// <returns>The report; cheap to compute, safe to call often and from any thread.</returns>
    ControllerHealthReport Check();
}
