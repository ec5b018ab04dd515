using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Samples.Apps;

/// <summary>The certificate in a mounted <c>kubernetes.io/tls</c> Secret, described for a log line. The key is never read.</summary>
internal static class MountedCertificate
{
    /// <summary>
    /// Reads <c>tls.crt</c> in <paramref name="directory"/> (through the kubelet's <c>..data</c> symlink, so an in-place
    /// update is seen): a fingerprint that changes when the certificate does, and its subject, DNS names and expiry.
    /// </summary>
    /// <returns><see langword="null"/> while there is no <c>tls.crt</c>.</returns>
    public static (string Fingerprint, string Description)? Read(string directory)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(Path.Combine(directory, "tls.crt"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        try
        {
            using var certificate = X509Certificate2.CreateFromPem(pem);
            var dnsNames = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames());
            return (certificate.Thumbprint,
                $"certificate {certificate.Subject}, DNS names [{string.Join(", ", dnsNames)}], expires {certificate.NotAfter.ToUniversalTime():u}");
        }
        catch (CryptographicException)
        {
            return (Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(pem))), "tls.crt is not a PEM certificate");
        }
    }
}
