using Box.K8sEventReporting.Primitives;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// An opt-in HTTP endpoint for a Deployment's probes, bound from <c>K8sEventReporting:Health</c>: <c>GET /readyz</c> and
/// <c>GET /livez</c> answer 200 with a one-line description when every health check tagged <see cref="ReadinessTag"/> or
/// <see cref="LivenessTag"/> is healthy (the controllers: caches synced, leading or standby; the loop makes progress; plus
/// any other part's, such as the admission webhook's listener), 503 otherwise; any other path gets 404.
/// </summary>
/// <remarks>
/// <para>
/// The checks are ordinary <c>IHealthCheck</c>s: an application that already serves HTTP with ASP.NET Core can map them itself
/// (<c>MapHealthChecks("/readyz", new() { Predicate = r =&gt; r.Tags.Contains(HealthProbeOptions.ReadinessTag) })</c>) and call
/// <c>ServeHealthProbesWithApplicationServer()</c> so that the library starts no server of its own; the admission webhook does
/// so and answers the probes on its Kestrel. Otherwise the library serves them on a small HTTP/1.1 server of its own, enough
/// for the kubelet's <c>httpGet</c> probes.
/// </para>
/// </remarks>
public sealed class HealthProbeOptions : IConfigurationBound
{
    /// <summary>The configuration section, under the library's section, that these options are bound from.</summary>
    public const string SectionName = "Health";

    /// <summary>The readiness path: 200 while <see cref="ControllerHealthReport.IsReady"/>, else 503.</summary>
    public const string ReadinessPath = "/readyz";

    /// <summary>The liveness path: 200 while <see cref="ControllerHealthReport.IsLive"/>, else 503.</summary>
    public const string LivenessPath = "/livez";

    /// <summary>The tag of the health checks <see cref="ReadinessPath"/> answers from.</summary>
    public const string ReadinessTag = "ready";

    /// <summary>The tag of the health checks <see cref="LivenessPath"/> answers from.</summary>
    public const string LivenessTag = "live";

    /// <summary>Gets or sets a value indicating whether the probe endpoint is served.</summary>
    /// <value><see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the TCP port of the probe endpoint.</summary>
    /// <remarks>
    /// 8081 is controller-runtime's default health probe port, and it stays clear of 8080, the default HTTP port of the
    /// .NET container images (<c>ASPNETCORE_HTTP_PORTS</c>), so an application that also serves HTTP does not collide.
    /// </remarks>
    /// <value>8081; allowed 1–65535.</value>
    [SettingRange(1, 65535)]
    public int Port { get; set; } = 8081;

    /// <summary>Gets or sets the host name or IP address to listen on.</summary>
    /// <remarks>
    /// The kubelet probes the pod's IP, so in a cluster keep every interface; a specific address (or a host name, resolved
    /// once at start) listens on that address only.
    /// </remarks>
    /// <value><c>*</c>: every interface.</value>
    [ProbeAddress]
    public string Address { get; set; } = "*";

    /// <inheritdoc />
    string IConfigurationBound.ConfigurationPath => "K8sEventReporting:" + SectionName;
}
