using Box.K8sEventReporting.Primitives;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Leader election on a <c>coordination.k8s.io/v1</c> Lease, bound from <c>K8sEventReporting:LeaderElection</c>:
/// with several replicas, exactly one reconciles and the others keep their caches warm, ready to take over.
/// </summary>
/// <remarks>
/// Off by default, which suits a single replica. Turn it on before running two or more replicas, or each of them
/// reconciles and reports. A standby takes over within <see cref="LeaseDuration"/> (plus up to <see cref="RetryPeriod"/>)
/// after the leader dies; a leader that cannot renew within <see cref="RenewDeadline"/> stops reconciling at once and
/// writes the Lease no more. On a graceful shutdown the leader keeps renewing while its work drains, then releases the
/// Lease (as client-go's ReleaseOnCancel), so a standby takes over within <see cref="RetryPeriod"/>.
/// </remarks>
public sealed class LeaderElectionOptions : IConfigurationBound
{
    /// <summary>The configuration section, under the library's section, that these options are bound from.</summary>
    public const string SectionName = "LeaderElection";

    /// <summary>Gets or sets a value indicating whether replicas elect a leader; when off, this replica always reconciles.</summary>
    /// <value><see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the name of the Lease.</summary>
    /// <value><c>box-k8s-event-reporting</c>.</value>
    [SettingLength(1, 253)]
    public string LeaseName { get; set; } = "box-k8s-event-reporting";

    /// <summary>Gets or sets the namespace of the Lease.</summary>
    /// <value>
    /// <see langword="null"/>: the <c>POD_NAMESPACE</c> environment variable, else the pod's own namespace when in a cluster,
    /// else <c>default</c>.
    /// </value>
    public string? LeaseNamespace { get; set; }

    /// <summary>Gets or sets this replica's identity in the Lease; must differ between replicas.</summary>
    /// <value><see langword="null"/>: the <c>POD_NAME</c> environment variable, else the machine name plus a random suffix.</value>
    public string? Identity { get; set; }

    /// <summary>Gets or sets how long a lease lasts without renewal: how long standbys wait before taking over.</summary>
    /// <remarks>The Lease stores whole seconds (<c>leaseDurationSeconds</c>): a fraction is rounded down.</remarks>
    /// <value>15 seconds; allowed 1 second–5 minutes, more than <see cref="RenewDeadline"/>.</value>
    [SettingRange("00:00:01", "00:05:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets how long the leader keeps trying to renew before it gives up leading.</summary>
    /// <value>10 seconds; allowed from more than <see cref="RetryPeriod"/> to less than <see cref="LeaseDuration"/>.</value>
    [RenewDeadlineBetween]
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how often the leader renews and standbys try to acquire.</summary>
    /// <value>2 seconds; allowed 100 milliseconds–1 minute, less than <see cref="RenewDeadline"/>.</value>
    [SettingRange("00:00:00.100", "00:01:00")]
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    string IConfigurationBound.ConfigurationPath => "K8sEventReporting:" + SectionName;
}
