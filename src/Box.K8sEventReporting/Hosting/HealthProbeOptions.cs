namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// An opt-in HTTP endpoint for a Deployment's probes, bound from <c>K8sEventReporting:Health</c>: <c>GET /readyz</c> and
/// <c>GET /livez</c> answer 200 with a one-line description when <see cref="IControllerHealth.Check"/> finds the controllers
/// ready (caches synced, leading or standby) or live (the loop makes progress), 503 otherwise; any other path gets 404.
/// </summary>
/// <remarks>
/// <para>
/// Served with <see cref="System.Net.HttpListener"/>, part of the shared framework on every platform, so the library needs no
/// ASP.NET Core: on Linux it is a small managed HTTP/1.1 server, enough for the kubelet's <c>httpGet</c> probes.
/// </para>
/// <para>
/// An application that already serves HTTP with ASP.NET Core can leave this off and call <see cref="IControllerHealth.Check"/>
/// from its own endpoints or health checks instead (resolve <see cref="IControllerHealth"/> from the services).
/// </para>
/// </remarks>
public sealed class HealthProbeOptions
{
    /// <summary>The configuration section, under the library's section, that these options are bound from.</summary>
    public const string SectionName = "Health";

    /// <summary>The readiness path: 200 while <see cref="ControllerHealthReport.IsReady"/>, else 503.</summary>
    public const string ReadinessPath = "/readyz";

    /// <summary>The liveness path: 200 while <see cref="ControllerHealthReport.IsLive"/>, else 503.</summary>
    public const string LivenessPath = "/livez";

    /// <summary>Gets or sets a value indicating whether the probe endpoint is served.</summary>
    /// <value><see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the TCP port of the probe endpoint.</summary>
    /// <remarks>
    /// 8081 is controller-runtime's default health probe port, and it stays clear of 8080, the default HTTP port of the
    /// .NET container images (<c>ASPNETCORE_HTTP_PORTS</c>), so an application that also serves HTTP does not collide.
    /// </remarks>
    /// <value>8081; allowed 1–65535.</value>
    public int Port { get; set; } = 8081;

    /// <summary>Gets or sets the host name or IP address to listen on.</summary>
    /// <remarks>
    /// The kubelet probes the pod's IP, so in a cluster keep every interface. A specific address also restricts the
    /// requests' <c>Host</c> header to it (set <c>httpGet.host</c> in the probe accordingly).
    /// </remarks>
    /// <value><c>*</c>: every interface.</value>
    public string Address { get; set; } = "*";
}
