using System.Net;
using System.Text;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ControlPlane;

/// <summary>
/// For a valid Pki: makes sure a Secret named after it exists in its namespace, owned by it, with the PKI material.
/// Reads the Secret from the watcher's cache, so a Pki that is already provisioned costs no API request.
/// </summary>
public sealed class SecretProvisioner(IKubernetes kubernetes, ICustomResourceWatcher<V1Secret> secrets) : IReconciler<Pki>
{
    public async ValueTask<ReconcileResult> ReconcileAsync(Pki resource, CancellationToken cancellationToken)
    {
        var desired = DesiredSecret(resource);
        var ns = resource.Metadata.NamespaceProperty;
        var current = secrets.Cache.Get(ns, desired.Metadata.Name);
        if (current is not null && IsUpToDate(current, desired))
        {
            return ReconcileResult.Done;
        }

        try
        {
            if (current is null)
            {
                await kubernetes.CoreV1.CreateNamespacedSecretAsync(desired, ns, cancellationToken: cancellationToken);
            }
            else
            {
                desired.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
                await kubernetes.CoreV1.ReplaceNamespacedSecretAsync(desired, desired.Metadata.Name, ns, cancellationToken: cancellationToken);
            }
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // The cache was behind (created meanwhile, or changed since): look again shortly, with fresher data.
            return ReconcileResult.Requeue(TimeSpan.FromSeconds(1));
        }

        return ReconcileResult.Done;
    }

    internal static V1Secret DesiredSecret(Pki pki) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = pki.Metadata.Name,
            NamespaceProperty = pki.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "controlplane" },
            OwnerReferences =
            [
                new V1OwnerReference
                {
                    ApiVersion = pki.ApiVersion, Kind = pki.Kind, Name = pki.Metadata.Name, Uid = pki.Metadata.Uid,
                    Controller = true, BlockOwnerDeletion = true,
                },
            ],
        },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { ["serviceName"] = Encoding.UTF8.GetBytes(pki.Spec?.ServiceName ?? string.Empty) },
    };

    private static bool IsUpToDate(V1Secret current, V1Secret desired) =>
        current.Metadata.OwnerReferences?.Any(o => o.Uid == desired.Metadata.OwnerReferences[0].Uid) == true
        && desired.Data.All(kv => current.Data?.TryGetValue(kv.Key, out var value) == true && value.AsSpan().SequenceEqual(kv.Value));
}
