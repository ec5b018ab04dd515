namespace Box.K8sEventReporting.Certificates;

/// <summary>
/// Issues TLS certificates signed by the control plane's own CA, and tells whether a stored one can stay. The CA is read
/// from (or, the first time, created in) a Secret in the control plane's namespace, so every replica signs with the same.
/// </summary>
/// <remarks>
/// Register it with <c>AddCertificateIssuer()</c>; its options are <see cref="CertificateOptions"/>. The CA is loaded on
/// first use and kept in memory. Private keys are never logged, and no message or exception of the issuer contains one.
/// </remarks>
public interface ICertificateIssuer
{
    /// <summary>Creates a key pair and a certificate for <paramref name="commonName"/> and <paramref name="dnsNames"/>, signed by the CA.</summary>
    /// <param name="commonName">The subject's common name (1–64 characters).</param>
    /// <param name="dnsNames">The DNS subject alternative names, lowercase DNS names; at least one.</param>
    /// <param name="cancellationToken">Cancels loading or creating the CA.</param>
    /// <returns>The key pair and certificate; it expires after <see cref="CertificateOptions.CertificateValidity"/>, never after the CA.</returns>
    /// <exception cref="ArgumentException">A name is not valid.</exception>
    /// <exception cref="InvalidOperationException">The CA's Secret exists but holds no usable CA (it is never overwritten), or the CA expired.</exception>
    /// <exception cref="k8s.Autorest.HttpOperationException">The API server refused to read or create the CA's Secret.</exception>
    Task<IssuedCertificate> IssueAsync(string commonName, IReadOnlyCollection<string> dnsNames, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks the data of a TLS Secret: a certificate of this CA for exactly <paramref name="commonName"/> and
    /// <paramref name="dnsNames"/>, with its private key and this CA's <c>ca.crt</c>, not yet due for renewal.
    /// </summary>
    /// <param name="secretData">The Secret's data (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>); <see langword="null"/> when there is none.</param>
    /// <param name="commonName">The expected common name.</param>
    /// <param name="dnsNames">The expected DNS names (order does not matter).</param>
    /// <param name="cancellationToken">Cancels loading or creating the CA.</param>
    /// <returns>What was found, and the stored certificate's expiry and renewal time when it could be read.</returns>
    /// <exception cref="InvalidOperationException">The CA's Secret exists but holds no usable CA.</exception>
    /// <exception cref="k8s.Autorest.HttpOperationException">The API server refused to read or create the CA's Secret.</exception>
    Task<CertificateCheck> CheckAsync(IDictionary<string, byte[]>? secretData, string commonName, IReadOnlyCollection<string> dnsNames, CancellationToken cancellationToken = default);
}
