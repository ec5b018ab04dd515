namespace Box.K8sEventReporting.Certificates;

/// <summary>
/// The control plane's own CA, read from (or, the first time, created in) a Secret in the control plane's namespace, so
/// every replica signs with the same one.
/// </summary>
/// <remarks>
/// Register it with <c>AddCertificateIssuer()</c>; its options are <see cref="CertificateOptions"/>. The CA is loaded on
/// first use and kept in memory. Private keys are never logged, and no message or exception of the issuer contains one.
/// </remarks>
public interface ICertificateIssuer
{
    /// <summary>Gets the CA, loading or creating it on first use; a failure is thrown, and the next call tries again.</summary>
    /// <param name="cancellationToken">Cancels loading or creating the CA.</param>
    /// <returns>The CA, which issues and checks certificates without further I/O.</returns>
    /// <exception cref="InvalidOperationException">The CA's Secret exists but holds no usable CA (it is never overwritten).</exception>
    /// <exception cref="k8s.Autorest.HttpOperationException">The API server refused to read or create the CA's Secret.</exception>
    Task<ICertificateAuthority> GetAuthorityAsync(CancellationToken cancellationToken = default);
}
