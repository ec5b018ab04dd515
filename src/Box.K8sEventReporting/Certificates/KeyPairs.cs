using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Box.K8sEventReporting.Certificates;

/// <summary>Creates key pairs and signs with them, for the algorithms of <see cref="CertificateKeyAlgorithm"/>.</summary>
internal static class KeyPairs
{
    public static AsymmetricAlgorithm Create(CertificateKeyAlgorithm algorithm) => algorithm switch
    {
        CertificateKeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        CertificateKeyAlgorithm.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        CertificateKeyAlgorithm.Rsa2048 => RSA.Create(2048),
        CertificateKeyAlgorithm.Rsa3072 => RSA.Create(3072),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown key algorithm."),
    };

    /// <summary>The hash a key signs with: SHA-384 for P-384, SHA-256 otherwise.</summary>
    public static HashAlgorithmName HashFor(AsymmetricAlgorithm key) =>
        key is ECDsa { KeySize: >= 384 } ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    public static X509SignatureGenerator SignerFor(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new NotSupportedException($"Keys of type {key.GetType().Name} are not supported; use ECDSA or RSA."),
    };

    public static PublicKey PublicKeyOf(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => new PublicKey(ecdsa),
        RSA rsa => new PublicKey(rsa),
        _ => throw new NotSupportedException($"Keys of type {key.GetType().Name} are not supported; use ECDSA or RSA."),
    };

    /// <summary>The private key of a certificate that has one.</summary>
    public static AsymmetricAlgorithm PrivateKeyOf(X509Certificate2 certificate) =>
        (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
        ?? throw new InvalidOperationException("The certificate has no ECDSA or RSA private key.");

    /// <summary>A positive random serial number of 16 bytes, as RFC 5280 asks (at most 20 octets, unpredictable).</summary>
    public static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }
}
