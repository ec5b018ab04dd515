using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// The self-signed certificate an <see cref="InProcessApiServer"/> serves HTTPS with: generated at start for
/// <c>127.0.0.1</c> and <c>localhost</c>, valid for a day, and its own certificate authority, so a client trusts it
/// through its CA data exactly as a kubeconfig's <c>certificate-authority-data</c> makes it trust a cluster.
/// </summary>
internal static class ServerCertificate
{
    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=in-process-kube-apiserver", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        names.AddDnsName("kubernetes.default.svc");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var ephemeral = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        // Re-imported so that the private key is usable by SslStream on every platform.
#if NET9_0_OR_GREATER
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
#else
        return new X509Certificate2(ephemeral.Export(X509ContentType.Pkcs12));
#endif
    }

    /// <summary>The public certificate alone, as a client holds its cluster's CA.</summary>
    public static X509Certificate2 PublicPart(X509Certificate2 certificate) =>
#if NET9_0_OR_GREATER
        X509CertificateLoader.LoadCertificate(certificate.RawData);
#else
        new(certificate.RawData);
#endif

    /// <summary>The certificate in PEM, as <c>certificate-authority-data</c> holds it (base64 of this text).</summary>
    public static string Pem(X509Certificate2 certificate)
    {
        var text = new StringBuilder();
        text.Append("-----BEGIN CERTIFICATE-----\n");
        text.Append(Convert.ToBase64String(certificate.RawData, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n", StringComparison.Ordinal));
        text.Append("\n-----END CERTIFICATE-----\n");
        return text.ToString();
    }
}
