namespace Box.K8sEventReporting.Controller;

/// <summary>What a reconciler asks the controller to do next with a resource: nothing, or reconcile again after a delay.</summary>
public readonly record struct ReconcileResult
{
    private ReconcileResult(TimeSpan? requeueAfter) => RequeueAfter = requeueAfter;

    /// <summary>Gets the result that asks for nothing more until the resource changes.</summary>
    public static ReconcileResult Done => default;

    /// <summary>Gets the delay after which the resource is reconciled again; <see langword="null"/> for <see cref="Done"/>.</summary>
    public TimeSpan? RequeueAfter { get; }

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
        return new ReconcileResult(delay);
    }
}
