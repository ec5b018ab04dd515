using System.Net;
using System.Text;

namespace Box.K8sEventReporting.Certificates;

/// <summary>A fresh key pair and its certificate, signed by the CA, in PEM.</summary>
/// <remarks><see cref="ToString"/> never includes the private key, so the object can be logged.</remarks>
public sealed class IssuedCertificate
{
    /// <summary>The Secret type <c>kubernetes.io/tls</c>, of the Secret that <see cref="ToSecretData"/> fills.</summary>
    public const string SecretType = "kubernetes.io/tls";

    /// <summary>The key of the PEM certificate (<c>tls.crt</c>).</summary>
    public const string CertificateKey = "tls.crt";

    /// <summary>The key of the PEM PKCS#8 private key (<c>tls.key</c>).</summary>
    public const string PrivateKeyKey = "tls.key";

    /// <summary>The key of the PEM certificate of the CA that signed <c>tls.crt</c> (<c>ca.crt</c>).</summary>
    public const string CaCertificateKey = "ca.crt";

    internal IssuedCertificate(
        string certificatePem,
        string privateKeyPem,
        string caCertificatePem,
        string subject,
        IReadOnlyList<string> dnsNames,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        DateTimeOffset renewAt,
        IReadOnlyList<IPAddress>? ipAddresses = null)
    {
        CertificatePem = certificatePem;
        PrivateKeyPem = privateKeyPem;
        CaCertificatePem = caCertificatePem;
        Subject = subject;
        DnsNames = dnsNames;
        NotBefore = notBefore;
        NotAfter = notAfter;
        RenewAt = renewAt;
        IpAddresses = ipAddresses ?? [];
    }

    /// <summary>Gets the certificate (<c>-----BEGIN CERTIFICATE-----</c>).</summary>
    public string CertificatePem { get; }

    /// <summary>Gets the private key, PKCS#8 (<c>-----BEGIN PRIVATE KEY-----</c>). Never log it.</summary>
    public string PrivateKeyPem { get; }

    /// <summary>Gets the certificate of the CA that signed it.</summary>
    public string CaCertificatePem { get; }

    /// <summary>Gets the certificate's subject, for example <c>CN=app2</c>.</summary>
    public string Subject { get; }

    /// <summary>Gets the certificate's DNS subject alternative names.</summary>
    public IReadOnlyList<string> DnsNames { get; }

    /// <summary>Gets the certificate's IP address subject alternative names; empty unless it was issued for IP addresses.</summary>
    public IReadOnlyList<IPAddress> IpAddresses { get; }

    /// <summary>Gets the start of the certificate's validity (a few minutes before issuance, for clock skew).</summary>
    public DateTimeOffset NotBefore { get; }

    /// <summary>Gets the certificate's expiry.</summary>
    public DateTimeOffset NotAfter { get; }

    /// <summary>Gets when the certificate is due for renewal (<see cref="CertificateOptions.RenewAtFractionOfLifetime"/>).</summary>
    public DateTimeOffset RenewAt { get; }

    /// <summary>Gets the data of a <c>kubernetes.io/tls</c> Secret: <c>tls.crt</c>, <c>tls.key</c> and <c>ca.crt</c>.</summary>
    /// <returns>A new dictionary, UTF-8 PEM values.</returns>
    public Dictionary<string, byte[]> ToSecretData() => new(StringComparer.Ordinal)
    {
        [IssuedCertificate.CertificateKey] = Encoding.UTF8.GetBytes(CertificatePem),
        [IssuedCertificate.PrivateKeyKey] = Encoding.UTF8.GetBytes(PrivateKeyPem),
        [IssuedCertificate.CaCertificateKey] = Encoding.UTF8.GetBytes(CaCertificatePem),
    };

    /// <summary>Describes the certificate without its key.</summary>
    /// <returns>Subject, DNS names, IP addresses (when there are any) and validity.</returns>
    public override string ToString() =>
        $"{Subject} DNS:[{string.Join(", ", DnsNames)}]{(IpAddresses.Count == 0 ? string.Empty : $" IP:[{string.Join(", ", IpAddresses)}]")} valid {NotBefore:u} to {NotAfter:u}, renewed from {RenewAt:u}";
}
