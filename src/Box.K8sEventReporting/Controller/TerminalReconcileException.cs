namespace Box.K8sEventReporting.Controller;

/// <summary>
/// Thrown by a reconciler for an error that retrying cannot fix (controller-runtime's <c>TerminalError</c>):
/// it is reported, logged and counted, and the resource is not retried until it changes.
/// </summary>
public sealed class TerminalReconcileException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="TerminalReconcileException"/> class.</summary>
    public TerminalReconcileException()
        : base("The reconcile failed and retrying cannot fix it.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TerminalReconcileException"/> class.</summary>
    /// <param name="message">What went wrong and how the owner can fix it; shown in the Event on the resource.</param>
    public TerminalReconcileException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TerminalReconcileException"/> class.</summary>
    /// <param name="message">What went wrong and how the owner can fix it; shown in the Event on the resource.</param>
    /// <param name="innerException">The underlying error.</param>
    public TerminalReconcileException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
