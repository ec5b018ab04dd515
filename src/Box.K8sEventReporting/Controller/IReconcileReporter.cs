using System.Text.Json.Nodes;
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
    /// <summary>Reports what is wrong with the resource; <paramref name="status"/> holds status fields the reconciler asked for,
    /// written with the condition (empty after a validation failure).</summary>
    ValueTask ReportInvalidAsync(T resource, ValidationResult result, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken);

    /// <summary>Reports a valid, reconciled resource; <paramref name="status"/> holds the status fields the reconciler asked for
    /// (<see cref="ReconcileResult.Status"/>), written with the condition.</summary>
    ValueTask ReportValidAsync(T resource, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken);

    ValueTask ReportReconcileErrorAsync(T resource, Exception error, bool isTerminal, CancellationToken cancellationToken);

    ValueTask ReportDecodeFailureAsync(ResourceDecodeFailure failure, CancellationToken cancellationToken);
}
