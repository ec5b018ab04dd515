namespace Box.K8sEventReporting.Certificates;

/// <summary>What <see cref="ICertificateAuthority.Check"/> found in a TLS Secret's data.</summary>
public enum CertificateStatus
{
    /// <summary>A certificate of this CA for exactly the expected names, with its key, not yet due for renewal.</summary>
    Current,

    /// <summary><c>tls.crt</c>, <c>tls.key</c> or <c>ca.crt</c> is missing.</summary>
    Missing,

    /// <summary><c>tls.crt</c> or <c>ca.crt</c> is not a PEM certificate.</summary>
    Unreadable,

    /// <summary>The certificate was not signed by this CA, or <c>ca.crt</c> is not this CA's certificate.</summary>
    OtherAuthority,

    /// <summary><c>tls.key</c> is not the private key of the certificate.</summary>
    KeyMismatch,

    /// <summary>The certificate's common name or DNS names differ from the expected ones.</summary>
    NamesChanged,

    /// <summary>The certificate reached its renewal time (or expired).</summary>
    DueForRenewal,
}
