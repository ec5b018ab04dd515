using Box.K8sEventReporting.Validation;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// What a reconciler asks the controller to do next with a resource: nothing, reconcile again after a delay, or report
/// that the resource is in error (reported and revalidated exactly like a validation failure).
/// </summary>
public readonly record struct ReconcileResult
{
    private readonly ValidationFailure[]? failures;

    private ReconcileResult(TimeSpan? requeueAfter, ValidationFailure[]? failures)
    {
        RequeueAfter = requeueAfter;
        this.failures = failures;
    }

    /// <summary>Gets the result that asks for nothing more until the resource changes.</summary>
    public static ReconcileResult Done => default;

    /// <summary>Gets the delay after which the resource is reconciled again; <see langword="null"/> for <see cref="Done"/>.</summary>
    public TimeSpan? RequeueAfter { get; }

    /// <summary>Gets what is wrong with the resource, found while reconciling it; empty unless the result is <see cref="Invalid"/>.</summary>
    public IReadOnlyList<ValidationFailure> Failures => failures ?? [];

    /// <summary>Asks for the resource to be reconciled again after <paramref name="delay"/>.</summary>
    /// <param name="delay">
    /// How long to wait; zero reconciles again as soon as a worker is free. Delays past about 24.8 days (the longest a timer
    /// waits) reconcile after that long, when the reconciler can ask again for the rest.
    /// </param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static ReconcileResult Requeue(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new ReconcileResult(delay, null);
    }

    /// <summary>
    /// Reports an error of the resource that only reconciling could find (for example a child object it would write that
    /// someone else controls): reported like a validation failure (Warning Events on the affected pods and on the resource,
    /// the condition False with the first failure's reason) and reconciled again every
    /// <see cref="ControllerOptions.RevalidationInterval"/> until it is gone.
    /// </summary>
    /// <param name="failures">At least one failure, each with an UpperCamelCase reason.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException"><paramref name="failures"/> is empty or holds <see langword="null"/>.</exception>
    public static ReconcileResult Invalid(params ValidationFailure[] failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (failures.Length == 0 || Array.Exists(failures, static f => f is null))
        {
            throw new ArgumentException("An invalid reconcile result needs at least one failure and no null ones.", nameof(failures));
        }

        return new ReconcileResult(null, [.. failures]);
    }
}
