using Box.K8sEventReporting.Primitives;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Settings of the Kubernetes Event recorder, its correlation, spam filter, queue and retries.</summary>
/// <remarks>
/// Every default mirrors client-go's <c>tools/record</c> unless stated. Invalid values fail at configuration time
/// (host start, or the <see cref="KubernetesEventRecorder"/> constructor) with an
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming the property, the value and the allowed range.
/// </remarks>
public sealed class EventReporterOptions : IConfigurationBound
{
    /// <summary>The configuration section, under the library's section, that these options are bound from (<c>K8sEventReporting:Events</c> in the sample).</summary>
    public const string SectionName = "Events";

    /// <summary>The component name used when no application name gives one.</summary>
    internal const string FallbackReportingComponent = "k8s-event-reporting";

    /// <summary>Gets the default <see cref="ReportingComponent"/>: the entry assembly's name, made a valid component name.</summary>
    internal static string DefaultReportingComponent { get; } =
        KubernetesNames.ToComponentName(System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name) ?? FallbackReportingComponent;

    /// <summary>Gets or sets the reporting component: <c>source.component</c> and <c>reportingComponent</c> (core/v1), or <c>reportingController</c> (events.k8s.io/v1).</summary>
    /// <value>
    /// The default is the application's name, lowercased and made a valid name (<c>IHostEnvironment.ApplicationName</c> when the
    /// options come from a host, otherwise the entry assembly's name; <c>k8s-event-reporting</c> if neither gives one), so
    /// <c>kubectl describe</c> shows <c>From your-app</c>. A qualified name: an optional DNS subdomain prefix and <c>/</c>, then a
    /// name of at most 63 characters (for example <c>box.com/controlplane</c>).
    /// </value>
    [KubernetesNameSetting(
        KubernetesNameRule.QualifiedName,
        "must be a qualified name ([DNS subdomain/]name, name part 1-63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric, e.g. 'box.com/controlplane')")]
    public string ReportingComponent { get; set; } = DefaultReportingComponent;

    /// <summary>Gets or sets the reporting instance: <c>reportingInstance</c> on every Event (and <c>source.host</c> on core/v1).</summary>
    /// <value>The default is the host name, which inside Kubernetes is the pod name. At most 128 characters.</value>
    [SettingLength(1, KubernetesNames.MaxReasonLength, Separator = "-")]
    public string ReportingInstance { get; set; } = Environment.MachineName;

    /// <summary>Gets or sets the Event API to write.</summary>
    /// <value>
    /// The default is <see cref="EventApiVersion.Automatic"/>: <c>events.k8s.io/v1</c> where the server serves it (asked once,
    /// at the first write), <c>core/v1</c> otherwise. The service account needs <c>create</c>, <c>patch</c> and <c>list</c> on the
    /// <c>events</c> of the API written.
    /// </value>
    [SettingEnum("Automatic, CoreV1 or EventsV1")]
    public EventApiVersion ApiVersion { get; set; } = EventApiVersion.Automatic;

    /// <summary>Gets or sets the <c>action</c> written when a report has none (events.k8s.io/v1 requires one).</summary>
    /// <value>The default is <c>Reconcile</c>. At most 128 characters.</value>
    [SettingLength(1, KubernetesNames.MaxReasonLength, Separator = "-")]
    public string DefaultAction { get; set; } = "Reconcile";

    /// <summary>Gets or sets the window in which similar events (same object, type and reason, different messages) are counted for aggregation.</summary>
    /// <value>The default is 10 minutes (client-go). Allowed: 1 ms to 1 day.</value>
    [SettingRange("00:00:00.001", "1.00:00:00", Separator = "-")]
    public TimeSpan AggregationWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how many distinct messages of similar events are kept apart within <see cref="AggregationWindow"/>; the next one and later are combined into one aggregate Event.</summary>
    /// <value>The default is 10 (client-go). Allowed: 1 to 1000.</value>
    [SettingRange(1, 1000, Separator = "-")]
    public int AggregationThreshold { get; set; } = 10;

    /// <summary>Gets or sets the spam filter's burst: how many writes one (source, object) pair may make at once.</summary>
    /// <value>The default is 25 (client-go). Allowed: 1 to 10000.</value>
    [SettingRange(1, 10_000, Separator = "-")]
    public int SpamFilterBurst { get; set; } = 25;

    /// <summary>Gets or sets the time the spam filter takes to give back one write token to a (source, object) pair.</summary>
    /// <value>The default is 5 minutes (client-go: 1/300 per second). Allowed: 1 ms to 1 day.</value>
    [SettingRange("00:00:00.001", "1.00:00:00", Separator = "-")]
    public TimeSpan SpamFilterRefillInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the number of entries in each correlation cache (events, aggregates, spam buckets); least recently used entries are evicted.</summary>
    /// <value>The default is 32768 (client-go: 4096, too small for thousands of objects). Allowed: 16 to 1,000,000.</value>
    /// <remarks>
    /// Size it above the number of distinct (object, reason, message) combinations reported within a few minutes: about 300 bytes
    /// per entry per cache. Evicting an entry never duplicates an Event object (names are deterministic, so a later repeat finds
    /// the Event on the server), but a repeat of an evicted entry costs a create, a read and a patch instead of one patch.
    /// </remarks>
    [SettingRange(16, 1_000_000, Separator = "-")]
    public int CacheSize { get; set; } = 32768;

    /// <summary>Gets or sets how many distinct Events may wait for the API server; past it the oldest waiting write is dropped and counted.</summary>
    /// <value>The default is 10,000. Allowed: 1 to 1,000,000.</value>
    /// <remarks>
    /// client-go's <c>maxQueuedEvents</c> is 1,000; a restarted controller that re-reports thousands of invalid resources
    /// at once overflowed it in our loop benchmark, and a waiting write costs only a reference, so the default is larger.
    /// 
    /// Repeats of an Event already waiting do not take a slot: they raise the count of the waiting write.
    /// A dropped write loses no count: its observations ride along with the Event's next write.
    /// </remarks>
    [SettingRange(1, 1_000_000, Separator = "-")]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets how many distinct Events may hold observations that wait for a later write: repeats the spam filter held
    /// back, and writes given up (queue full, retries exhausted). Past it the oldest waiting Event is dropped, counted
    /// (<c>k8s_event_reporting.events.dropped</c>, cause <c>deferred_full</c>, by the observations lost) and logged with why it waited.
    /// </summary>
    /// <value>The default is 10,000. Allowed: 1 to 1,000,000.</value>
    /// <remarks>
    /// During an API outage every distinct Event reported ends up waiting here; without a bound memory would grow with them.
    /// A waiting Event costs its record (about 300 bytes).
    /// </remarks>
    [SettingRange(1, 1_000_000, Separator = "-")]
    public int MaxDeferredEvents { get; set; } = 10_000;

    /// <summary>Gets or sets how many Event writes may be in flight at once.</summary>
    /// <value>The default is 4. Allowed: 1 to 64.</value>
    [SettingRange(1, 64, Separator = "-")]
    public int MaxConcurrentWrites { get; set; } = 4;

    /// <summary>Gets or sets the number of attempts per Event write, the first included, before it is counted as failed.</summary>
    /// <value>The default is 12 (client-go's <c>maxTriesPerEvent</c>). Allowed: 1 to 100.</value>
    [SettingRange(1, 100, Separator = "-")]
    public int MaxWriteAttempts { get; set; } = 12;

    /// <summary>Gets or sets the delay before the first retry; it doubles per attempt up to <see cref="RetryMaxDelay"/>, plus up to 20% at random.</summary>
    /// <value>The default is 1 second. Allowed: 1 ms to 1 minute.</value>
    [SettingRange("00:00:00.001", "00:01:00", Separator = "-")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest delay between two attempts (client-go waits 10 s between tries). A <c>Retry-After</c> header is honoured up to this value times six.</summary>
    /// <value>The default is 10 seconds. Allowed: 1 ms to 10 minutes, and not below <see cref="RetryBaseDelay"/>.</value>
    [SettingRange("00:00:00.001", "00:10:00", Separator = "-")]
    [NotBelowRetryBaseDelay]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long disposing the recorder waits for queued writes to reach the API server.</summary>
    /// <value>The default is 10 seconds. Allowed: 0 to 10 minutes.</value>
    [SettingRange("00:00:00", "00:10:00", Separator = "-")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the level at which every recorded event is also logged, like client-go's <c>StartLogging</c>; <see cref="LogLevel.None"/> turns it off.</summary>
    /// <value>The default is <see cref="LogLevel.Information"/>.</value>
    [SettingEnum("a LogLevel from Trace to None")]
    public LogLevel EventLogLevel { get; set; } = LogLevel.Information;

    /// <summary>Gets or sets how many pods of one owning workload get an Event; past it the workload itself gets the Event, plus the first pods only.</summary>
    /// <value>The default is 10. Allowed: 1 to 1000.</value>
    [SettingRange(1, 1000, Separator = "-")]
    public int MaxPodsPerOwner { get; set; } = 10;

    /// <summary>Gets or sets the status condition type that validation outcomes are written to.</summary>
    /// <value>The default is <c>Ready</c>. UpperCamelCase letters and digits, at most 128 characters.</value>
    [KubernetesNameSetting(KubernetesNameRule.Reason, "must be UpperCamelCase letters and digits, 1-128 characters")]
    public string ConditionType { get; set; } = "Ready";

    /// <summary>Computes the delay before the next attempt of an Event or status write.</summary>
    /// <param name="failures">Failed attempts so far, from 1.</param>
    /// <param name="jitterSample">A sample in [0, 1).</param>
    /// <param name="retryAfter">The server's <c>Retry-After</c>: honoured when longer, up to six times <see cref="RetryMaxDelay"/>.</param>
    /// <returns>The delay.</returns>
    internal TimeSpan RetryDelay(int failures, double jitterSample, TimeSpan? retryAfter)
    {
        var delay = new BackoffPolicy(RetryBaseDelay, 2, RetryJitter, RetryMaxDelay).Delay(failures, jitterSample);
        if (retryAfter is { } after && after > delay)
        {
            var cap = RetryMaxDelay * 6;
            delay = after < cap ? after : cap;
        }

        return delay;
    }

    /// <summary>The random fraction added to each retry delay, as the watcher's default.</summary>
    internal const double RetryJitter = 0.2;

    /// <inheritdoc />
    string IConfigurationBound.ConfigurationPath => "K8sEventReporting:" + SectionName;
}
