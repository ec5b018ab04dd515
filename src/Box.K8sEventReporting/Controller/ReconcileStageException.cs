namespace Box.K8sEventReporting.Controller;

/// <summary>
/// A failure of one stage of a decorated reconcile (the validator, the reconciler, the reporter), so that the loop logs and
/// counts it by stage; the loop handles <see cref="Exception.InnerException"/> as the failure itself.
/// </summary>
internal sealed class ReconcileStageException : Exception
{
    public ReconcileStageException(string stage, Exception inner)
        : base(inner?.Message, inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Stage = stage;
    }

    /// <summary>Gets the stage that failed: <c>validator</c>, <c>reconciler</c> or <c>reporter</c>.</summary>
    public string Stage { get; }
}
