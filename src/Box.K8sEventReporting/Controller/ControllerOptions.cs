using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Controller;

/// <summary>Settings of a controller's reconcile loop and work queue, bound from <c>K8sEventReporting:Controller</c>.</summary>
/// <remarks>The retry settings are client-go's defaults for a controller's rate limiter.</remarks>
public sealed class ControllerOptions : IConfigurationBound
{
    /// <summary>The configuration section, under the library's section, that these options are bound from.</summary>
    public const string SectionName = "Controller";

    /// <summary>Gets or sets how many keys are reconciled at once. Never the same key twice at once.</summary>
    /// <remarks>
    /// A reconcile mostly waits for the API server (one Secret write for the sample); on a real API server a
    /// 1,000-Pki load finished fastest with 8 workers.
    /// </remarks>
    /// <value>2; allowed 1–64.</value>
    [SettingRange(1, 64)]
    public int Workers { get; set; } = 2;

    /// <summary>Gets or sets how long after a failed validation the resource is validated (and reported) again.</summary>
    /// <remarks>Keeps the Events current: their count grows while the error lasts.</remarks>
    /// <value>5 minutes; allowed 1 second–24 hours.</value>
    [SettingRange("00:00:01", "1.00:00:00")]
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the first retry delay of a key whose reconcile failed; it doubles at each further failure.</summary>
    /// <value>5 milliseconds; allowed 1 millisecond–1 minute.</value>
    [SettingRange("00:00:00.001", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Gets or sets the longest retry delay of one key.</summary>
    /// <value>1000 seconds; allowed from <see cref="RetryBaseDelay"/> to 24 hours.</value>
    [RetryMaxDelayRange]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(1000);

    /// <summary>Gets or sets the overall rate of retries, all keys together, once <see cref="RetryBurst"/> is spent.</summary>
    /// <value>10 per second; allowed 0.001–100000.</value>
    [SettingRange(0.001, 100_000d)]
    public double RetryRatePerSecond { get; set; } = 10;

    /// <summary>Gets or sets how many retries may happen at once before <see cref="RetryRatePerSecond"/> applies.</summary>
    /// <value>100; allowed 1–100000.</value>
    [SettingRange(1, 100_000)]
    public int RetryBurst { get; set; } = 100;

    /// <summary>Gets or sets how long a stopping controller waits for reconciles in flight before it cancels them.</summary>
    /// <value>30 seconds; allowed 0–10 minutes.</value>
    [SettingRange("00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long the loop may go without progress, while keys are waiting, before liveness reports it stuck.
    /// </summary>
    /// <value>2 minutes; allowed 1 second–1 hour.</value>
    [SettingRange("00:00:01", "01:00:00")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets the value of the <c>app.kubernetes.io/managed-by</c> label that <see cref="OwnedChildWriter{TChild}"/>
    /// puts on every child object it writes, and by which <c>Owns&lt;TChild&gt;()</c> restricts the child watch, so that
    /// objects of that type which the controllers did not write are never listed, watched or cached.
    /// </summary>
    /// <value><see langword="null"/>: the name part of <see cref="Reporting.EventReporterOptions.ReportingComponent"/> (<c>controlplane</c>); otherwise a label value (1–63 letters, digits, '-', '_' or '.').</value>
    [KubernetesNameSetting(
        KubernetesNameRule.LabelValue,
        "must be a label value: 1–63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
        Optional = true)]
    public string? ManagedBy { get; set; }

    /// <inheritdoc />
    string IConfigurationBound.ConfigurationPath => "K8sEventReporting:" + SectionName;

    /// <summary>Returns the managed-by label value in effect: <see cref="ManagedBy"/>, or the name part of the reporting component.</summary>
    internal string ManagedByOrDefault(Reporting.EventReporterOptions events) =>
        ManagedBy is { Length: > 0 } value ? value : events.ReportingComponent[(events.ReportingComponent.LastIndexOf('/') + 1)..];
}
