using Box.K8sEventReporting.Validation;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Controller;

/// <summary>What <see cref="OwnedChildWriter{TChild}"/> did with a child object.</summary>
public enum OwnedChildOutcome
{
    /// <summary>The child did not exist and was created.</summary>
    Created,

    /// <summary>The owner controls the child and it was updated to the desired state.</summary>
    Updated,

    /// <summary>The owner controls the child and it already was in the desired state: nothing was written.</summary>
    Unchanged,

    /// <summary>An object of that name exists and the owner does not control it: nothing was written.</summary>
    Conflict,

    /// <summary>The child could not be settled now (it is being deleted, or kept changing under the writer): try again shortly.</summary>
    Pending,

    /// <summary>
    /// The owner controls the child and it differed in a field the API server will not update: it was deleted (with its
    /// uid and resourceVersion as preconditions) and created anew.
    /// </summary>
    Replaced,

    /// <summary>
    /// The API server refused the write for a reason no retry fixes (400, 403 or 422, for example a desired object it
    /// finds invalid, or RBAC that does not grant the verb): nothing more was written; see
    /// <see cref="OwnedChildResult{TChild}.Refusal"/>.
    /// </summary>
    Refused,
}

/// <summary>The outcome of <see cref="OwnedChildWriter{TChild}.EnsureAsync(IKubernetesObject{V1ObjectMeta}, TChild, CancellationToken)"/>.</summary>
/// <typeparam name="TChild">The child's type.</typeparam>
public sealed class OwnedChildResult<TChild>
    where TChild : class, IKubernetesObject<V1ObjectMeta>
{
    internal OwnedChildResult(OwnedChildOutcome outcome, TChild? child, ValidationFailure? conflict, ValidationFailure? refusal = null)
    {
        Outcome = outcome;
        Child = child;
        Conflict = conflict;
        Refusal = refusal;
    }

    /// <summary>Gets what was done.</summary>
    public OwnedChildOutcome Outcome { get; }

    /// <summary>Gets the child as the API server returned it or the cache held it; <see langword="null"/> for a conflict, a refusal or a pending child.</summary>
    public TChild? Child { get; }

    /// <summary>
    /// Gets, for <see cref="OwnedChildOutcome.Conflict"/>, the error to report on the owner: reason <c>{Kind}Conflict</c>
    /// (for example <c>SecretConflict</c>) and a message naming the conflicting object and who controls it.
    /// </summary>
    public ValidationFailure? Conflict { get; }

    /// <summary>
    /// Gets, for <see cref="OwnedChildOutcome.Refused"/>, the error to report on the owner: reason <c>{Kind}{StatusReason}</c>
    /// (for example <c>SecretInvalid</c> or <c>SecretForbidden</c>), the child's field the server named as
    /// <see cref="ValidationFailure.FieldPath"/> (empty when it named none), and a message naming the child, what was
    /// refused, that field and the server's own message.
    /// </summary>
    public ValidationFailure? Refusal { get; }

    /// <summary>
    /// Gets what a reconciler returns when this child was its only work: <see cref="ReconcileResult.Invalid"/> with the
    /// conflict (reported like a validation failure and revalidated until the conflicting object is gone) or with the
    /// refusal (reported the same way, and tried again only at the controller's
    /// <see cref="ControllerOptions.RevalidationInterval"/> or when the owner changes, never in a tight loop), a requeue
    /// after one second for a pending child, otherwise <see cref="ReconcileResult.Done"/>.
    /// </summary>
    /// <returns>The reconcile result.</returns>
    public ReconcileResult ToReconcileResult() => Outcome switch
    {
        OwnedChildOutcome.Conflict => ReconcileResult.Invalid(Conflict!),
        OwnedChildOutcome.Refused => ReconcileResult.Invalid(Refusal!),
        OwnedChildOutcome.Pending => ReconcileResult.Requeue(OwnedChildDecision.PendingRetryDelay),
        _ => ReconcileResult.Done,
    };
}
