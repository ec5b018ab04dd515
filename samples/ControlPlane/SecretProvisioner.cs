using System.Globalization;
using System.Net;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane;

/// <summary>
/// For a valid Pki: a <c>kubernetes.io/tls</c> Secret named after it, owned by it, with a fresh key pair and a certificate
/// for its service signed by the control plane's CA (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>); renewed at the
/// configured point of its lifetime, re-issued when <c>spec.serviceName</c> changes, its expiry in <c>status.notAfter</c>.
/// </summary>
/// <remarks>
/// Reads the Secret from the watcher's cache: a Pki whose certificate is current costs no API request, only a requeue at
/// its renewal time. Each issuance is one Secret write and one status write.
/// </remarks>
public sealed partial class SecretProvisioner(
    IKubernetes kubernetes,
    ICustomResourceWatcher<V1Secret> secrets,
    ICertificateIssuer issuer,
    TimeProvider? timeProvider = null,
    ILogger<SecretProvisioner>? logger = null) : IReconciler<Pki>
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public async ValueTask<ReconcileResult> ReconcileAsync(Pki resource, CancellationToken cancellationToken)
    {
        var ns = resource.Metadata.NamespaceProperty;
        var serviceName = resource.Spec?.ServiceName ?? throw new TerminalReconcileException("The Pki has no spec.serviceName.");
        var dnsNames = DnsNames(serviceName, ns);
        var current = secrets.Cache.Get(ns, resource.Metadata.Name);
        var authority = await issuer.GetAuthorityAsync(cancellationToken);
        var check = authority.Check(current?.Data, serviceName, dnsNames);
        DateTimeOffset notAfter, renewAt;
        if (current is not null && current.Type == TlsSecret.Type && IsControlledBy(current, resource) && check.IsCurrent)
        {
            (notAfter, renewAt) = (check.NotAfter!.Value, check.RenewAt!.Value);
        }
        else
        {
            var issued = authority.Issue(serviceName, dnsNames);
            if (!await WriteAsync(current, DesiredSecret(resource, issued), cancellationToken))
            {
                // The cache was behind (created meanwhile, or changed since): look again shortly, with fresher data.
                return ReconcileResult.Requeue(TimeSpan.FromSeconds(1));
            }

            LogIssued(_logger, ns, resource.Metadata.Name, current is null ? "new" : check.Status.ToString(), issued.Subject, issued.NotAfter);
            (notAfter, renewAt) = (issued.NotAfter, issued.RenewAt);
        }

        await WriteNotAfterAsync(resource, notAfter, cancellationToken);
        var untilRenewal = renewAt - _time.GetUtcNow();
        return ReconcileResult.Requeue(untilRenewal > TimeSpan.Zero ? untilRenewal : TimeSpan.Zero);
    }

    /// <summary>The certificate's DNS names: the service's short name and its names inside the cluster.</summary>
    internal static string[] DnsNames(string serviceName, string ns) =>
        [serviceName, $"{serviceName}.{ns}.svc", $"{serviceName}.{ns}.svc.cluster.local"];

    internal static V1Secret DesiredSecret(Pki pki, IssuedCertificate certificate) => new()
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
        Type = TlsSecret.Type,
        Data = certificate.ToSecretData(),
    };

    private static bool IsControlledBy(V1Secret secret, Pki pki) =>
        secret.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == pki.Metadata.Uid) == true;

    // Seam for the owned-child writer (issue 8 §1): create, or replace what this Pki controls.
    private async Task<bool> WriteAsync(V1Secret? current, V1Secret desired, CancellationToken cancellationToken)
    {
        var ns = desired.Metadata.NamespaceProperty;
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

            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <summary>Writes <c>status.notAfter</c> when it differs: once per issuance (a merge patch of that one field).</summary>
    private async Task WriteNotAfterAsync(Pki pki, DateTimeOffset notAfter, CancellationToken cancellationToken)
    {
        var value = notAfter.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (pki.Status?.NotAfter == notAfter)
        {
            return;
        }

        try
        {
            await kubernetes.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                new V1Patch($$$"""{"status":{"notAfter":"{{{value}}}"}}""", V1Patch.PatchType.MergePatch),
                "box.com",
                "v1",
                pki.Metadata.NamespaceProperty,
                "pkis",
                pki.Metadata.Name,
                cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Deleted meanwhile: its Secret goes with it.
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Issued a certificate for Pki {Namespace}/{Name} ({Why}): {Subject}, expires {NotAfter:u}.")]
    private static partial void LogIssued(ILogger logger, string @namespace, string name, string why, string subject, DateTimeOffset notAfter);
}
