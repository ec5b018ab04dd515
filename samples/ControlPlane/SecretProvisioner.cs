using System.Text;
using Box.K8sEventReporting.Controller;
using k8s.Models;

namespace ControlPlane;

/// <summary>
/// For a valid Pki: makes sure a Secret named after it exists in its namespace, controlled by it, with the PKI material.
/// A Secret of that name that the Pki does not control (another team's) is never touched: the Pki reports
/// <c>SecretConflict</c> instead, until that Secret is gone.
/// </summary>
public sealed class SecretProvisioner(OwnedChildWriter<V1Secret> secrets) : IReconciler<Pki>
{
    public async ValueTask<ReconcileResult> ReconcileAsync(Pki resource, CancellationToken cancellationToken) =>
        (await secrets.EnsureAsync(resource, DesiredSecret(resource), cancellationToken)).ToReconcileResult();

    internal static V1Secret DesiredSecret(Pki pki) => new()
    {
        Metadata = new V1ObjectMeta { Name = pki.Metadata.Name },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { ["serviceName"] = Encoding.UTF8.GetBytes(pki.Spec?.ServiceName ?? string.Empty) },
    };
}
