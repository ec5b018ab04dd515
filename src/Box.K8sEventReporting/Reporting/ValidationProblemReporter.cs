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
/// for the API server.
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
public sealed class ValidationProblemReporter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The reason of the condition and Normal Event of a valid resource.</summary>
    public const string ValidReason = "Valid";

    private static readonly IReadOnlyDictionary<string, JsonNode?> NoStatus = new Dictionary<string, JsonNode?>();

    private readonly IEventRecorder recorder;
    private readonly IAffectedPodSelector<T> podSelector;
    private readonly IResourceConditionWriter conditionWriter;
    private readonly IResourceCache<V1ReplicaSet>? replicaSets;
    private readonly IPodEventReporter podReporter;
    private readonly ILogger logger;
    private readonly int maxPodsPerOwner;
    private readonly string conditionType;
    private readonly object gate = new();
    private readonly LruCache<string, bool> lastValidity;

    /// <summary>Initializes a new instance of the <see cref="ValidationProblemReporter{T}"/> class.</summary>
    /// <param name="recorder">Records the Events.</param>
    /// <param name="podSelector">Finds the affected pods (from a cache).</param>
    /// <param name="conditionWriter">Writes the status condition.</param>
    /// <param name="options">Gives <see cref="EventReporterOptions.MaxPodsPerOwner"/> and <see cref="EventReporterOptions.ConditionType"/>.</param>
    /// <param name="logger">The logger; optional.</param>
    /// <param name="replicaSets">A ReplicaSet cache to report on a capped Deployment instead of its ReplicaSet; optional.</param>
    /// <param name="podReporter">
    /// Reports on the affected pods; optional, by default a <see cref="PodEventReporter"/> on <paramref name="recorder"/>.
    /// Replace it (for example with the Testing package's fake) to observe what pods are told.
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
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(podSelector);
        ArgumentNullException.ThrowIfNull(conditionWriter);
        var settings = KubernetesEventRecorder.Snapshot(options);
        EventReporterOptionsValidator.ThrowIfInvalid(settings);
        this.recorder = recorder;
        this.podSelector = podSelector;
        this.conditionWriter = conditionWriter;
        this.replicaSets = replicaSets;
        this.podReporter = podReporter ?? new PodEventReporter(recorder);
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        maxPodsPerOwner = settings.MaxPodsPerOwner;
        conditionType = settings.ConditionType;
        lastValidity = new LruCache<string, bool>(settings.CacheSize);
    }

    /// <summary>
    /// Gets the queue that makes the status writes in the background (the controller's composition sets it); when
    /// <see langword="null"/>, <see cref="ReportAsync"/> writes the condition before it returns.
    /// </summary>
    internal StatusWriteQueue? StatusQueue { get; init; }

    /// <summary>
    /// Gets the resource as the cache holds it now (<see langword="null"/> when deleted), read just before a queued status
    /// write: the write starts from its latest resourceVersion, so it does not conflict with a write made meanwhile.
    /// </summary>
    internal Func<T, T?>? CurrentOf { get; init; }

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
    internal async Task ReportWithStatusAsync(T resource, ValidationResult result, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(status);
        var self = ObjectReferences.Create(resource);
        var uid = string.IsNullOrEmpty(self.Uid) ? self.NamespaceProperty + "/" + self.Name : self.Uid;

        if (result.IsValid)
        {
            var condition = new ResourceCondition(conditionType, ConditionStatus.True, ValidReason, $"{self.Kind} {self.NamespaceProperty}/{self.Name} is valid.");
            await WriteStatusAsync(resource, condition, status, cancellationToken).ConfigureAwait(false);
            bool? known;
            lock (gate)
            {
                known = lastValidity.TryGetValue(uid, out var valid) ? !valid : null;
                lastValidity.Set(uid, true);
            }

            // Only when this process has not reported it yet (after a restart) is the condition on the resource read.
            var wasInvalid = known ?? StatusConditions.StatusOf(StatusConditions.Read(resource), conditionType) == nameof(ConditionStatus.False);

            if (wasInvalid)
            {
                RecordOnResource(self, EventReport.Normal(ValidReason, condition.Message));
            }

            return;
        }

        var pods = await podSelector.SelectPodsAsync(resource, cancellationToken).ConfigureAwait(false);
        var targets = WorkloadFanOut.Plan(pods, maxPodsPerOwner, replicaSets, (count, owner) =>
            Log.FanOutCapped(logger, count, owner.Kind, owner.NamespaceProperty, owner.Name, maxPodsPerOwner));
        var podsByName = new Dictionary<(string?, string?), V1Pod>();
        foreach (var pod in pods)
        {
            podsByName.TryAdd((pod.Metadata?.NamespaceProperty, pod.Metadata?.Name), pod);
        }

        foreach (var failure in result.Failures)
        {
            var report = EventReport.Warning(failure.Reason, failure.Message);
            foreach (var target in targets)
            {
                if (target.Kind == "Pod" && podsByName.TryGetValue((target.NamespaceProperty, target.Name), out var pod))
                {
                    await podReporter.ReportAsync(pod, report, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    recorder.Record(target, report);
                }
            }

            // The Event on the resource itself is an extra: its write yields to the pods' Warnings.
            RecordOnResource(self, report);
        }

        lock (gate)
        {
            lastValidity.Set(uid, false);
        }

        var message = string.Join("; ", result.Failures.Select(f => f.Message));
        await WriteStatusAsync(resource, new ResourceCondition(conditionType, ConditionStatus.False, result.Failures[0].Reason, message), status, cancellationToken).ConfigureAwait(false);
    }

    private void RecordOnResource(V1ObjectReference self, EventReport report)
    {
        if (recorder is IBackgroundEventRecorder background)
        {
            background.RecordInBackground(self, report);
        }
        else
        {
            recorder.Record(self, report);
        }
    }

    private Task WriteStatusAsync(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken)
    {
        if (StatusQueue is { } queue)
        {
            // A writer that cannot write the fields fails this call, not every background retry of it.
            EnsureCanWrite(status);
            queue.Post(new PendingStatus(this, resource, condition, status));
            return Task.CompletedTask;
        }

        return WriteNowAsync(resource, condition, status, cancellationToken);
    }

    private Task<bool> WriteNowAsync(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken)
    {
        EnsureCanWrite(status);
        return status.Count == 0
            ? conditionWriter.SetConditionAsync(resource, condition, cancellationToken)
            : ((IResourceStatusWriter)conditionWriter).SetStatusAsync(resource, condition, status, cancellationToken);
    }

    private void EnsureCanWrite(IReadOnlyDictionary<string, JsonNode?> status)
    {
        if (status.Count > 0 && conditionWriter is not IResourceStatusWriter)
        {
            throw new InvalidOperationException(
                $"The condition writer {conditionWriter.GetType().Name} cannot write other status fields ({string.Join(", ", status.Keys)}); use ResourceConditionWriter.");
        }
    }

    /// <summary>The condition and status fields of one report, waiting in the <see cref="StatusWriteQueue"/>.</summary>
    private sealed class PendingStatus(ValidationProblemReporter<T> owner, T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> status)
        : IPendingStatusWrite
    {
        // The CLR type, not the Kind: the queue is shared by every resource type, and two groups may use one Kind.
        public string Key { get; } = $"{typeof(T).FullName} {resource.Metadata.NamespaceProperty}/{resource.Metadata.Name}";

        private T Resource => resource;

        private IReadOnlyDictionary<string, JsonNode?> Status => status;

        public IPendingStatusWrite Absorb(IPendingStatusWrite older)
        {
            if (older is not PendingStatus { Status.Count: > 0 } previous || !SameObject(previous.Resource, resource))
            {
                return this;
            }

            // Fields only the older report set are kept: each was asked for once and must not be lost to coalescing.
            var merged = new Dictionary<string, JsonNode?>(previous.Status, StringComparer.Ordinal);
            foreach (var (name, value) in status)
            {
                merged[name] = value;
            }

            return new PendingStatus(owner, resource, condition, merged);
        }

        public async Task WriteAsync(CancellationToken cancellationToken)
        {
            var current = resource;
            if (owner.CurrentOf is { } currentOf)
            {
                // Deleted, re-created, or changed in its spec since this report: the reconcile of what is there now writes
                // its own status (with its own observedGeneration); this one would describe the past.
                if (currentOf(resource) is not { } latest || !SameObject(latest, resource) || latest.Metadata.Generation != resource.Metadata.Generation)
                {
                    return;
                }

                current = latest;
            }

            await owner.WriteNowAsync(current, condition, status, cancellationToken).ConfigureAwait(false);
        }

        private static bool SameObject(T a, T b) => a.Metadata.Uid == b.Metadata.Uid;
    }
}
