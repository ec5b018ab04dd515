namespace Box.K8sEventReporting.Testing;

/// <summary>
/// Thrown by <see cref="ControllerTestHost"/>'s waits when a reconcile failed (a validator, the reconciler or the reporting
/// threw): the test fails at once with the cause instead of waiting out its timeout while the controller retries.
/// </summary>
public sealed class ReconcileFailedException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ReconcileFailedException"/> class.</summary>
    public ReconcileFailedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ReconcileFailedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ReconcileFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ReconcileFailedException"/> class.</summary>
    /// <param name="message">What failed: the kind, the resource, the stage and the error's message.</param>
    /// <param name="innerException">The error.</param>
    public ReconcileFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
