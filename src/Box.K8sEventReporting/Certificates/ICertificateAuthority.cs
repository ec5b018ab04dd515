using System.Net;

namespace Box.K8sEventReporting.Certificates;

/// <summary>A loaded CA: issues certificates and checks stored ones, in memory (no I/O), on the issuer's clock and options.</summary>
public interface ICertificateAuthority
{
    /// <summary>Gets the CA's certificate in PEM (what every <c>ca.crt</c> holds).</summary>
    string CertificatePem { get; }

    /// <summary>Gets the CA's expiry: no certificate it issues is valid past it.</summary>
    DateTimeOffset NotAfter { get; }

    /// <summary>Creates a key pair and a server and client certificate for <paramref name="commonName"/> and <paramref name="dnsNames"/>.</summary>
    /// <param name="commonName">The subject's common name (1–64 characters, no control characters).</param>
    /// <param name="dnsNames">The DNS subject alternative names, lowercase RFC 1123 names; at least one.</param>
    /// <returns>The key pair and certificate; it expires after <see cref="CertificateOptions.CertificateValidity"/>, never after the CA.</returns>
    /// <exception cref="ArgumentException">A name is not valid.</exception>
    /// <exception cref="InvalidOperationException">The CA expired.</exception>
    IssuedCertificate Issue(string commonName, IReadOnlyCollection<string> dnsNames);

    /// <summary>
    /// Creates a key pair and a server and client certificate for <paramref name="commonName"/>, <paramref name="dnsNames"/>
    /// and <paramref name="ipAddresses"/>: for a server reached by IP address (a TLS client checks an IP address against the
    /// IP subject alternative names only).
    /// </summary>
    /// <param name="commonName">The subject's common name (1–64 characters, no control characters).</param>
    /// <param name="dnsNames">The DNS subject alternative names, lowercase RFC 1123 names; may be empty when there are IP addresses.</param>
    /// <param name="ipAddresses">The IP address subject alternative names; may be empty when there are DNS names.</param>
    /// <returns>The key pair and certificate; it expires after <see cref="CertificateOptions.CertificateValidity"/>, never after the CA.</returns>
    /// <exception cref="ArgumentException">A name is not valid, or there is neither a DNS name nor an IP address.</exception>
    /// <exception cref="InvalidOperationException">The CA expired.</exception>
    /// <exception cref="NotSupportedException">
    /// IP addresses were given to an implementation that only has <see cref="Issue(string, IReadOnlyCollection{string})"/>
    /// (the default implementation, kept so that implementations written before this overload still compile).
    /// </exception>
    IssuedCertificate Issue(string commonName, IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> ipAddresses)
    {
        ArgumentNullException.ThrowIfNull(ipAddresses);
        return ipAddresses.Count == 0
            ? Issue(commonName, dnsNames)
            : throw new NotSupportedException($"{GetType().Name} issues certificates for DNS names only.");
    }

    /// <summary>
    /// Checks the data of a TLS Secret: a certificate of this CA for exactly <paramref name="commonName"/> and
    /// <paramref name="dnsNames"/>, with its private key and this CA's <c>ca.crt</c>, not yet due for renewal.
    /// </summary>
    /// <param name="secretData">The Secret's data (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>); <see langword="null"/> when there is none.</param>
    /// <param name="commonName">The expected common name.</param>
    /// <param name="dnsNames">The expected DNS names (order does not matter).</param>
    /// <returns>What was found, and the stored certificate's expiry and renewal time when it could be read.</returns>
    CertificateCheck Check(IDictionary<string, byte[]>? secretData, string commonName, IReadOnlyCollection<string> dnsNames);
}
