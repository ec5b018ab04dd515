using System.Text.Json.Nodes;
using Box.K8sEventReporting.Validation;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// What a reconciler asks the controller to do next with a resource: nothing, reconcile again after a delay, or report
/// that the resource is in error (reported and revalidated exactly like a validation failure).
/// </summary>
public readonly record struct ReconcileResult
{
    private static readonly IReadOnlyDictionary<string, JsonNode?> NoStatus = new Dictionary<string, JsonNode?>();
    private readonly ValidationFailure[]? failures;
    private readonly Dictionary<string, JsonNode?>? status;

    private ReconcileResult(TimeSpan? requeueAfter, ValidationFailure[]? failures, Dictionary<string, JsonNode?>? status = null)
    {
        RequeueAfter = requeueAfter;
        this.failures = failures;
        this.status = status;
    }

    /// <summary>Gets the result that asks for nothing more until the resource changes.</summary>
    public static ReconcileResult Done => default;

    /// <summary>Gets the delay after which the resource is reconciled again; <see langword="null"/> for <see cref="Done"/>.</summary>
    public TimeSpan? RequeueAfter { get; }

    /// <summary>Gets what is wrong with the resource, found while reconciling it; empty unless the result is <see cref="Invalid"/>.</summary>
    public IReadOnlyList<ValidationFailure> Failures => failures ?? [];

    /// <summary>
    /// Gets the fields of <c>status</c> (other than <c>conditions</c>) that the reconciler asks to set, written in the same
    /// status patch as the controller's condition; empty unless <see cref="WithStatus"/> was called.
    /// </summary>
    public IReadOnlyDictionary<string, JsonNode?> Status => status ?? NoStatus;

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

    /// <summary>Returns this result with <see cref="RequeueAfter"/> set to <paramref name="delay"/> (an invalid resource's revalidation).</summary>
    internal ReconcileResult RequeuedAfter(TimeSpan delay) => new(delay, failures, status);

    /// <summary>
    /// Returns this result asking, in addition, that <c>status.<paramref name="name"/></c> be set to <paramref name="value"/>.
    /// The field rides in the one status patch that also sets the controller's condition (one write, not two), made in the
    /// background after the reconcile and coalesced with later ones for the same resource (latest value wins), so a
    /// reconciler never waits for it. Ask for a field only when it differs from the resource's status.
    /// </summary>
    /// <param name="name">The status field, for example <c>notAfter</c>; not <c>conditions</c>, which the controller owns.</param>
    /// <param name="value">Its value (a string, number, boolean, object or array); <see langword="null"/> removes the field.</param>
    /// <returns>The result with the field added (a later call with the same name replaces the value).</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or <c>conditions</c>.</exception>
    public ReconcileResult WithStatus(string name, JsonNode? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == "conditions")
        {
            throw new ArgumentException("status.conditions is written by the controller; set another field.", nameof(name));
        }

        var fields = status is null ? new Dictionary<string, JsonNode?>(StringComparer.Ordinal) : new Dictionary<string, JsonNode?>(status, StringComparer.Ordinal);
        fields[name] = value?.DeepClone();
        return new ReconcileResult(RequeueAfter, failures, fields);
    }
}
