using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Controller;

/// <summary>Brings the world in line with one valid resource (for example: provisions the Secret a <c>Pki</c> declares).</summary>
/// <typeparam name="T">The resource type.</typeparam>
/// <remarks>
/// Called only for resources that passed every validator, with the latest state from the cache, never twice at once for
/// the same resource. Make it idempotent: it runs again after restarts, leader changes and secondary triggers.
/// What the return value and exceptions do to the queue:
/// <list type="bullet">
/// <item><see cref="ReconcileResult.Done"/>: nothing more until the resource or a watched secondary object changes.</item>
/// <item><see cref="ReconcileResult.Requeue(TimeSpan)"/>: reconciled again after the delay.</item>
/// <item><see cref="ReconcileResult.Invalid"/>: an error of the resource (for example a child object someone else
/// controls, see <see cref="OwnedChildWriter{TChild}"/>), reported and revalidated exactly like a validation failure.</item>
/// <item>Any exception: reported on the resource and retried with per-key exponential backoff.</item>
/// <item><see cref="TerminalReconcileException"/>: reported, logged and counted, not retried until the resource changes.</item>
/// </list>
/// </remarks>
public interface IReconciler<in T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Reconciles <paramref name="resource"/>.</summary>
    /// <param name="resource">The resource as last seen on the API server; do not modify it.</param>
    /// <param name="cancellationToken">Cancelled when this replica stops leading or shuts down.</param>
    /// <returns>Whether and when to reconcile it again.</returns>
    ValueTask<ReconcileResult> ReconcileAsync(T resource, CancellationToken cancellationToken);
}
