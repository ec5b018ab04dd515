using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// Where the controller sends what it found: validation problems (on the affected pods, the resource and its status
/// condition), a resource becoming valid, reconcile errors and unreadable objects.
/// </summary>
/// <remarks>Called only by the leader. Implementations should queue and return quickly; they may throw on API errors.</remarks>
internal interface IReconcileReporter<in T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    ValueTask ReportInvalidAsync(T resource, ValidationResult result, CancellationToken cancellationToken);

    ValueTask ReportValidAsync(T resource, CancellationToken cancellationToken);

    ValueTask ReportReconcileErrorAsync(T resource, Exception error, bool isTerminal, CancellationToken cancellationToken);

    ValueTask ReportDecodeFailureAsync(ResourceDecodeFailure failure, CancellationToken cancellationToken);
}
