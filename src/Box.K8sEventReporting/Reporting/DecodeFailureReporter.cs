using Box.K8sEventReporting.Watching;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Reports an object that could not be read: a Warning Event on it and a <c>Ready=False</c> condition with the same
/// message, written from the object's raw JSON (it has no typed form).
/// </summary>
internal sealed class DecodeFailureReporter(
    IEventRecorder recorder,
    Type resourceType,
    string kind,
    string apiVersion,
    IRawResourceConditionWriter? conditionWriter,
    string conditionType)
{
    /// <summary>The reason of an object that could not be read.</summary>
    public const string DecodeFailedReason = "DecodeFailed";

    /// <remarks>The Event is recorded first; a failed condition write throws to the caller, which logs it.</remarks>
    public async ValueTask ReportAsync(ResourceDecodeFailure failure, CancellationToken cancellationToken)
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
                resourceType,
                failure.Namespace,
                failure.Name,
                failure.RawJson,
                new ResourceCondition(conditionType, ConditionStatus.False, DecodeFailedReason, message),
                cancellationToken).ConfigureAwait(false);
        }
    }
}
