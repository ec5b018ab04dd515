using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Controller;

/// <summary>Adapts a function to <see cref="IReconciler{T}"/>.</summary>
internal sealed class DelegateReconciler<T>(Func<T, CancellationToken, ValueTask<ReconcileResult>> reconcile) : IReconciler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Func<T, CancellationToken, ValueTask<ReconcileResult>> _reconcile =
        reconcile ?? throw new ArgumentNullException(nameof(reconcile));

    public ValueTask<ReconcileResult> ReconcileAsync(T resource, CancellationToken cancellationToken) =>
        _reconcile(resource, cancellationToken);
}
