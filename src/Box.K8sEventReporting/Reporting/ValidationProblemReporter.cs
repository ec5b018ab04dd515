using System.Text.Json.Nodes;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Tells the owner of a resource what is wrong with it, where they look: Warning Events on the affected pods (capped per
/// owning workload), a Warning Event on the resource itself, and a status condition; and, once the resource is valid
/// again, flips the condition and says so with one Normal Event.
/// </summary>
/// <typeparam name="T">The resource type (a custom resource with a status subresource).</typeparam>
/// <remarks>
/// Call <see cref="ReportAsync"/> from the reconcile loop with every validation result; it is idempotent: Events are
/// correlated (repeats raise a count), and the condition is written only when it changes. Only the condition write waits
/// for the API server. In a controller (<c>AddController</c>) the status is queued instead and written in the background,
/// and the same failures of the same generation are recorded on the resource itself once per
/// <see cref="Controller.ControllerOptions.RevalidationInterval"/> (a reconcile that a new pod triggers tells that pod only).
/// <para>
/// Fan-out cap: pods are grouped by their controlling owner. When one owner has more affected pods than
/// <see cref="EventReporterOptions.MaxPodsPerOwner"/> (default 10), only the first that many pods (by name) get the Event,
/// and so does the owning workload: the Deployment of a ReplicaSet-owned pod when a ReplicaSet cache is given (resolved from
/// the ReplicaSet's ownerReferences, no GET), otherwise the ReplicaSet; a StatefulSet, DaemonSet or Job directly. Pods
/// without an owner are never capped. A 200-replica Deployment therefore costs 11 Event writes per failure, not 200.
/// </para>
/// <para>
/// The condition (<see cref="EventReporterOptions.ConditionType"/>, default <c>Ready</c>) is False with the first failure's
/// reason and every failure's message joined by <c>"; "</c>; True with reason <see cref="ValidReason"/> once valid. The
/// Normal Event is emitted once per flip from invalid to valid (known from this process's last report, or after a restart
/// from the condition on the resource).
/// </para>
/// </remarks>
internal sealed class ValidationProblemReporter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The reason of the condition and Normal Event of a valid resource.</summary>
    public const string ValidReason = "Valid";

    private static readonly IReadOnlyDictionary<string, JsonNode?> NoStatus = new Dictionary<string, JsonNode?>();

    private readonly IEventRecorder recorder;
    private readonly IAffectedPodSelector<T> podSelector;
    private readonly IStatusWriter<T> statusWriter;
    private readonly IResourceCache<V1ReplicaSet>? replicaSets;
    private readonly IPodEventReporter? podReporter;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly TimeSpan resourceWarningInterval;
    private readonly int maxPodsPerOwner;
    private readonly string conditionType;
    private readonly object gate = new();
    private readonly LruCache<string, LastReport> lastReports;

    /// <summary>Initializes a new instance of the <see cref="ValidationProblemReporter{T}"/> class.</summary>
    /// <param name="recorder">Records the Events.</param>
    /// <param name="podSelector">Finds the affected pods (from a cache).</param>
    /// <param name="conditionWriter">Writes the status condition, before <see cref="ReportAsync"/> returns.</param>
    /// <param name="options">Gives <see cref="EventReporterOptions.MaxPodsPerOwner"/> and <see cref="EventReporterOptions.ConditionType"/>.</param>
    /// <param name="logger">The logger; optional.</param>
    /// <param name="replicaSets">A ReplicaSet cache to report on a capped Deployment instead of its ReplicaSet; optional.</param>
    /// <param name="podReporter">
    /// Reports on the affected pods; optional, by default the pods' Events are recorded with <paramref name="recorder"/>.
    /// Give one (for example the Testing package's fake) to observe what pods are told.
    /// </param>
    /// <exception cref="ArgumentNullException">A required argument is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public ValidationProblemReporter(
        IEventRecorder recorder,
        IAffectedPodSelector<T> podSelector,
        IResourceConditionWriter conditionWriter,
        IOptions<EventReporterOptions> options,
        ILogger<ValidationProblemReporter<T>>? logger = null,
        IResourceCache<V1ReplicaSet>? replicaSets = null,
        IPodEventReporter? podReporter = null)
        : this(
            recorder,
            podSelector,
            new DirectStatusWriter<T>(conditionWriter ?? throw new ArgumentNullException(nameof(conditionWriter))),
            KubernetesEventRecorder.Snapshot(options),
            logger,
            replicaSets,
            podReporter,
            TimeProvider.System,
            TimeSpan.Zero)
    {
    }

    /// <summary>Initializes a reporter for a controller.</summary>
    /// <param name="recorder">Records the Events (on the resource, with <see cref="EventReport.YieldsToOthers"/>).</param>
    /// <param name="podSelector">Finds the affected pods (from a cache).</param>
    /// <param name="statusWriter">Writes or queues the status.</param>
    /// <param name="settings">The validated options.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="replicaSets">A ReplicaSet cache to report on a capped Deployment instead of its ReplicaSet.</param>
    /// <param name="podReporter">Reports on the affected pods; <see langword="null"/>: through <paramref name="recorder"/>.</param>
    /// <param name="timeProvider">The clock of <paramref name="resourceWarningInterval"/>.</param>
    /// <param name="resourceWarningInterval">
    /// How long the same Warning on the resource (same generation, same failures) is not recorded again: a reconcile that
    /// another trigger causes (a new pod) tells the pods, and the resource's Event counts revalidations only.
    /// </param>
    internal ValidationProblemReporter(
        IEventRecorder recorder,
        IAffectedPodSelector<T> podSelector,
        IStatusWriter<T> statusWriter,
        EventReporterOptions settings,
        ILogger? logger,
        IResourceCache<V1ReplicaSet>? replicaSets,
        IPodEventReporter? podReporter,
        TimeProvider timeProvider,
        TimeSpan resourceWarningInterval)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(podSelector);
        ArgumentNullException.ThrowIfNull(statusWriter);
        EventReporterOptionsValidator.ThrowIfInvalid(settings);
        this.recorder = recorder;
        this.podSelector = podSelector;
        this.statusWriter = statusWriter;
        this.replicaSets = replicaSets;
        this.podReporter = podReporter;
        this.logger = logger ?? NullLogger.Instance;
        this.timeProvider = timeProvider;
        this.resourceWarningInterval = resourceWarningInterval;
        maxPodsPerOwner = settings.MaxPodsPerOwner;
        conditionType = settings.ConditionType;
        lastReports = new LruCache<string, LastReport>(settings.CacheSize);
    }

    /// <summary>Reports <paramref name="result"/> for <paramref name="resource"/>.</summary>
    /// <param name="resource">The resource as last seen (its status conditions are the base of the new list).</param>
    /// <param name="result">The validation outcome.</param>
    /// <param name="cancellationToken">Stops the pod selection and the condition write.</param>
    /// <returns>A task that completes once the Events are queued and the condition is written.</returns>
    /// <exception cref="ArgumentException">A failure's reason is not UpperCamelCase of at most 128 characters.</exception>
    /// <exception cref="k8s.Autorest.HttpOperationException">The condition write was refused; requeue the resource.</exception>
    public Task ReportAsync(T resource, ValidationResult result, CancellationToken cancellationToken = default) =>
        ReportWithStatusAsync(resource, result, NoStatus, cancellationToken);

    /// <summary>Reports <paramref name="result"/> for <paramref name="resource"/>, writing <paramref name="status"/> with the condition.</summary>
    /// <returns>Whether a Warning went on the resource itself (not when only its pods were told again).</returns>
    internal async Task<bool> ReportWithStatusAsync(T resource, ValidationResult result, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(status);
        var self = ObjectReferences.Create(resource);
        var uid = string.IsNullOrEmpty(self.Uid) ? self.NamespaceProperty + "/" + self.Name : self.Uid;

        if (result.IsValid)
        {
            var condition = new ResourceCondition(conditionType, ConditionStatus.True, ValidReason, $"{self.Kind} {self.NamespaceProperty}/{self.Name} is valid.");
            await statusWriter.WriteAsync(resource, condition, status, cancellationToken).ConfigureAwait(false);
            bool? known;
            lock (gate)
            {
                known = lastReports.TryGetValue(uid, out var last) ? last.Failures is not null : null;
                lastReports.Set(uid, LastReport.Valid);
            }

            // Only when this process has not reported it yet (after a restart) is the condition on the resource read.
            var wasInvalid = known ?? StatusConditions.StatusOf(StatusConditions.Read(resource), conditionType) == nameof(ConditionStatus.False);

            if (wasInvalid)
            {
                recorder.Record(self, EventReport.Normal(ValidReason, condition.Message) with { YieldsToOthers = true });
            }

            return false;
        }

        var pods = await podSelector.SelectPodsAsync(resource, cancellationToken).ConfigureAwait(false);
        var targets = WorkloadFanOut.Plan(pods, maxPodsPerOwner, replicaSets, (count, owner) =>
            Log.FanOutCapped(logger, count, owner.Kind, owner.NamespaceProperty, owner.Name, maxPodsPerOwner));
        var podsByName = new Dictionary<(string?, string?), V1Pod>();
        foreach (var pod in pods)
        {
            podsByName.TryAdd((pod.Metadata?.NamespaceProperty, pod.Metadata?.Name), pod);
        }

        var onResource = ShouldWarnResource(uid, resource.Metadata.Generation, result.Failures);
        foreach (var failure in result.Failures)
        {
            var report = EventReport.Warning(failure.Reason, failure.Message);
            foreach (var target in targets)
            {
                if (podReporter is not null && target.Kind == "Pod" && podsByName.TryGetValue((target.NamespaceProperty, target.Name), out var pod))
                {
                    await podReporter.ReportAsync(pod, report, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    recorder.Record(target, report);
                }
            }

            if (onResource)
            {
                // The Event on the resource itself is an extra: its write yields to the pods' Warnings.
                recorder.Record(self, report with { YieldsToOthers = true });
            }
        }

        var message = string.Join("; ", result.Failures.Select(f => f.Message));
        await statusWriter.WriteAsync(resource, new ResourceCondition(conditionType, ConditionStatus.False, result.Failures[0].Reason, message), status, cancellationToken).ConfigureAwait(false);
        return onResource;
    }

    /// <summary>
    /// Whether the Warnings go on the resource too: not when the same failures of the same generation were recorded on it
    /// less than the interval ago (a reconcile another trigger caused); the pods are told every time.
    /// </summary>
    private bool ShouldWarnResource(string uid, long? generation, IReadOnlyList<ValidationFailure> failures)
    {
        var now = timeProvider.GetTimestamp();
        lock (gate)
        {
            if (lastReports.TryGetValue(uid, out var last)
                && last.Failures is { } lastFailures
                && last.Generation == generation
                && timeProvider.GetElapsedTime(last.WarnedAt, now) < resourceWarningInterval
                && SameFailures(lastFailures, failures))
            {
                lastReports.Set(uid, last with { Failures = failures });
                return false;
            }

            lastReports.Set(uid, new LastReport(generation, failures, now));
            return true;
        }
    }

    private static bool SameFailures(IReadOnlyList<ValidationFailure> a, IReadOnlyList<ValidationFailure> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>What was last reported on a resource: valid (no failures), or its failures and when they were recorded on it.</summary>
    private readonly record struct LastReport(long? Generation, IReadOnlyList<ValidationFailure>? Failures, long WarnedAt)
    {
        public static LastReport Valid => default;
    }
}
