using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// Told the outcome of every reconcile, after it is counted and logged. Register one as a singleton service; the Testing
/// package's host uses it to fail a test on a reconcile error at once instead of letting the controller retry it silently.
/// </summary>
public interface IReconcileObserver
{
    /// <summary>Called once per reconcile; must be quick and must not throw.</summary>
    /// <param name="kind">The resource kind.</param>
    /// <param name="key">The resource.</param>
    /// <param name="outcome">valid, invalid, requeue, deleted, canceled, error or terminal.</param>
    /// <param name="error">The error of an <c>error</c> or <c>terminal</c> outcome, with the stage it happened in.</param>
    void Reconciled(string kind, ResourceKey key, string outcome, Exception? error);
}
