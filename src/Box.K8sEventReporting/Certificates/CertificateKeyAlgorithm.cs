namespace Box.K8sEventReporting.Certificates;

/// <summary>The algorithm of a key pair the issuer creates.</summary>
public enum CertificateKeyAlgorithm
{
    /// <summary>ECDSA on NIST P-256, signed with SHA-256: small, fast and accepted by every TLS stack.</summary>
    EcdsaP256,

    /// <summary>ECDSA on NIST P-384, signed with SHA-384.</summary>
    EcdsaP384,

    /// <summary>RSA with a 2048-bit modulus, signed with SHA-256 and PKCS#1 v1.5, for clients without ECDSA.</summary>
    Rsa2048,

    /// <summary>RSA with a 3072-bit modulus, signed with SHA-256 and PKCS#1 v1.5.</summary>
    Rsa3072,
}
