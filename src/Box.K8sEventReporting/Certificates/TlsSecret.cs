namespace Box.K8sEventReporting.Certificates;

/// <summary>The type and keys of a Kubernetes TLS Secret, as kubelet mounts and ingress controllers read it.</summary>
public static class TlsSecret
{
    /// <summary>The Secret type <c>kubernetes.io/tls</c>.</summary>
    public const string Type = "kubernetes.io/tls";

    /// <summary>The key of the PEM certificate (<c>tls.crt</c>).</summary>
    public const string CertificateKey = "tls.crt";

    /// <summary>The key of the PEM PKCS#8 private key (<c>tls.key</c>).</summary>
    public const string PrivateKeyKey = "tls.key";

    /// <summary>The key of the PEM certificate of the CA that signed <c>tls.crt</c> (<c>ca.crt</c>).</summary>
    public const string CaCertificateKey = "ca.crt";
}
