using System.Text.Json.Nodes;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// Reports through the reporting services: validation outcomes with <see cref="ValidationProblemReporter{T}"/> (pods, the
/// resource, its Ready condition), reconcile errors as Warning Events on the object, and unreadable objects as a Warning
/// Event and a <c>Ready=False</c> condition with the same message.
/// </summary>
internal sealed class EventReconcileReporter<T>(
    ValidationProblemReporter<T> validationReporter,
    IEventRecorder recorder,
    string kind,
    string apiVersion,
    IRawResourceConditionWriter? conditionWriter = null,
    string conditionType = "Ready")
    : IReconcileReporter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The reason of a retried reconcile error.</summary>
    public const string ReconcileFailedReason = "ReconcileFailed";

    /// <summary>The reason of a terminal reconcile error.</summary>
    public const string ReconcileFailedTerminalReason = "ReconcileFailedTerminal";

    /// <summary>The reason of an object that could not be read.</summary>
    public const string DecodeFailedReason = "DecodeFailed";

    public async ValueTask ReportInvalidAsync(T resource, ValidationResult result, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken) =>
        await validationReporter.ReportWithStatusAsync(resource, result, status, cancellationToken).ConfigureAwait(false);

    public async ValueTask ReportValidAsync(T resource, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken) =>
        await validationReporter.ReportWithStatusAsync(resource, ValidationResult.Success, status, cancellationToken).ConfigureAwait(false);

    public ValueTask ReportReconcileErrorAsync(T resource, Exception error, bool isTerminal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        var self = ObjectReferences.Create(resource);
        var message = isTerminal
            ? $"{self.Kind} {self.NamespaceProperty}/{self.Name} could not be reconciled: {error.Message} It will not be retried until it changes."
            : $"{self.Kind} {self.NamespaceProperty}/{self.Name} could not be reconciled: {error.Message} Retrying with backoff.";
        recorder.Record(self, EventReport.Warning(isTerminal ? ReconcileFailedTerminalReason : ReconcileFailedReason, message));
        return ValueTask.CompletedTask;
    }

    /// <remarks>The Event is recorded first; a failed condition write throws to the caller, which logs it.</remarks>
    public async ValueTask ReportDecodeFailureAsync(ResourceDecodeFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var reference = new V1ObjectReference
        {
            Kind = kind,
            ApiVersion = apiVersion,
            NamespaceProperty = failure.Namespace,
            Name = failure.Name,
            Uid = failure.Uid,
            ResourceVersion = failure.ResourceVersion,
        };
        var message = EventMessage.Sanitize($"{kind} {failure.Namespace}/{failure.Name} could not be read and is ignored until fixed: {failure.Error}");
        recorder.Record(reference, EventReport.Warning(DecodeFailedReason, message));
        if (conditionWriter is not null && !string.IsNullOrEmpty(failure.Namespace) && !string.IsNullOrEmpty(failure.Name))
        {
            await conditionWriter.SetConditionAsync(
                typeof(T),
                failure.Namespace,
                failure.Name,
                failure.RawJson,
                new ResourceCondition(conditionType, ConditionStatus.False, DecodeFailedReason, message),
                cancellationToken).ConfigureAwait(false);
        }
    }
}
