using System.Globalization;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Controller;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane;

/// <summary>
/// For a valid Pki: a <c>kubernetes.io/tls</c> Secret named after it and controlled by it, with a fresh key pair and a
/// certificate for its service signed by the control plane's CA (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>); renewed
/// at the configured point of its lifetime, re-issued when <c>spec.serviceName</c> changes, its expiry in
/// <c>status.notAfter</c>. A Secret of that name that the Pki does not control (another team's) is never touched: the
/// Pki reports <c>SecretConflict</c> instead, until that Secret is gone. A Secret the Pki controls but of another type
/// (an Opaque one an earlier version wrote) is replaced by the TLS Secret, since the API server never changes a
/// Secret's type.
/// </summary>
/// <remarks>
/// Reads the Secret from the writer's cache: a Pki whose certificate is current costs no API request, only a requeue at
/// its renewal time. Each issuance is one Secret write; <c>status.notAfter</c> is returned in the result
/// (<see cref="ReconcileResult.WithStatus"/>), which the controller writes in the same status patch as the Ready condition.
/// </remarks>
public sealed partial class SecretProvisioner(
    OwnedChildWriter<V1Secret> secrets,
    ICertificateIssuer issuer,
    TimeProvider? timeProvider = null,
    ILogger<SecretProvisioner>? logger = null) : IReconciler<Pki>
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public async ValueTask<ReconcileResult> ReconcileAsync(Pki resource, CancellationToken cancellationToken)
    {
        var serviceName = resource.Spec?.ServiceName ?? throw new TerminalReconcileException("The Pki has no spec.serviceName.");
        var dnsNames = DnsNames(serviceName, resource.Metadata.NamespaceProperty);
        var authority = await issuer.GetAuthorityAsync(cancellationToken);
        CertificateCheck check = default;
        IssuedCertificate? issued = null;
        var result = await secrets.EnsureAsync(
            resource,
            SecretName(resource),
            current =>
            {
                // Called with the Secret this Pki controls (or null): keep a current certificate, else issue a new one.
                check = authority.Check(current?.Type == IssuedCertificate.SecretType ? current.Data : null, serviceName, dnsNames);
                issued = current is not null && check.IsCurrent ? null : authority.Issue(serviceName, dnsNames);
                return issued is null ? Unchanged(current!) : DesiredSecret(resource, issued);
            },
            cancellationToken);
        if (result.Outcome is not (OwnedChildOutcome.Created or OwnedChildOutcome.Updated or OwnedChildOutcome.Replaced or OwnedChildOutcome.Unchanged))
        {
            return result.ToReconcileResult();
        }

        var (notAfter, renewAt) = issued is null ? (check.NotAfter!.Value, check.RenewAt!.Value) : (issued.NotAfter, issued.RenewAt);
        if (issued is not null)
        {
            LogIssued(_logger, resource.Metadata.NamespaceProperty, resource.Metadata.Name, check.Status, issued.Subject, issued.NotAfter);
        }

        var untilRenewal = renewAt - _time.GetUtcNow();
        var next = ReconcileResult.Requeue(untilRenewal > TimeSpan.Zero ? untilRenewal : TimeSpan.Zero);

        // Set once per issuance, in the controller's one status patch with the Ready condition (not a write of its own).
        return resource.Status?.NotAfter == notAfter
            ? next
            : next.WithStatus("notAfter", notAfter.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }

    /// <summary>The certificate's DNS names: the service's short name and its names inside the cluster.</summary>
    internal static string[] DnsNames(string serviceName, string ns) =>
        [serviceName, $"{serviceName}.{ns}.svc", $"{serviceName}.{ns}.svc.cluster.local"];

    /// <summary>The name of a Pki's Secret (the one its app mounts): the Pki's own name, in its namespace.</summary>
    internal static string SecretName(Pki pki) => pki.Metadata.Name;

    internal static V1Secret DesiredSecret(Pki pki, IssuedCertificate certificate) => new()
    {
        Metadata = new V1ObjectMeta { Name = SecretName(pki) },
        Type = IssuedCertificate.SecretType,
        Data = certificate.ToSecretData(),
    };

    /// <summary>The current Secret as the desired one: nothing to write.</summary>
    private static V1Secret Unchanged(V1Secret current) => new()
    {
        Metadata = new V1ObjectMeta { Name = current.Metadata.Name },
        Type = current.Type,
        Data = current.Data,
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Issued a certificate for Pki {Namespace}/{Name} (the Secret's was {Was}): {Subject}, expires {NotAfter:u}.")]
    private static partial void LogIssued(ILogger logger, string @namespace, string name, CertificateStatus was, string subject, DateTimeOffset notAfter);
}
