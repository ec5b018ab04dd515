using System.Collections.Concurrent;
using Box.K8sEventReporting.Reporting;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Controller;

/// <summary>
/// Records, in order, what the controller reports about widgets, read from what it writes: the Ready condition (valid or
/// invalid with the first reason), reconcile-error Events and unreadable-object Events. Events on pods are not recorded.
/// </summary>
internal sealed class RecordingReconcileReporter : IEventRecorder, IResourceConditionWriter
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public int CountOf(string prefix) => Calls.Count(c => c.StartsWith(prefix, StringComparison.Ordinal));

    public void Record(V1ObjectReference involvedObject, EventReport report)
    {
        const string Prefix = "could not be reconciled: ";
        switch (report.Reason)
        {
            case ReportingReconciler<Widget>.ReconcileFailedReason or ReportingReconciler<Widget>.ReconcileFailedTerminalReason:
                var error = report.Message[(report.Message.IndexOf(Prefix, StringComparison.Ordinal) + Prefix.Length)..]
                    .Replace(" Retrying with backoff.", string.Empty, StringComparison.Ordinal)
                    .Replace(" It will not be retried until it changes.", string.Empty, StringComparison.Ordinal);
                var terminal = report.Reason == ReportingReconciler<Widget>.ReconcileFailedTerminalReason;
                Calls.Enqueue($"{(terminal ? "terminal" : "error")} {involvedObject.Name} {error}");
                break;
            case DecodeFailureReporter.DecodeFailedReason:
                Calls.Enqueue($"decode {involvedObject.Name}");
                break;
        }
    }

    public Task<bool> SetConditionAsync<T>(T resource, ResourceCondition condition, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (condition.Status == ConditionStatus.True)
        {
            Calls.Enqueue($"valid {resource.Metadata.Name}");
            return Task.FromResult(true);
        }

        Calls.Enqueue($"invalid {resource.Metadata.Name} {condition.Reason}");
        return Task.FromResult(true);
    }
}
