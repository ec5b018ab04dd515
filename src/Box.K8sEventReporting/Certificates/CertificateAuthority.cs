using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Certificates;

/// <summary>A CA's certificate and private key in memory: creates a CA, loads one from PEM, issues and checks certificates. No I/O.</summary>
internal sealed class CertificateAuthority : IDisposable
{
    /// <summary>How far before issuance a certificate's validity starts, so that nodes whose clocks lag accept it.</summary>
    internal static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const int MaxCommonNameLength = 64;

    private readonly X509Certificate2 _certificate;
    private readonly AsymmetricAlgorithm _key;

    private CertificateAuthority(X509Certificate2 certificate, string? privateKeyPem = null)
    {
        _certificate = certificate;
        CreatedPrivateKeyPem = privateKeyPem;
        _key = KeyPairs.PrivateKeyOf(certificate);
        CertificatePem = certificate.ExportCertificatePem();
    }

    /// <summary>Gets the CA's certificate in PEM (what goes into every <c>ca.crt</c>).</summary>
    public string CertificatePem { get; }

    /// <summary>Gets the PEM private key of a CA just created (for its own Secret only); <see langword="null"/> for a loaded one.</summary>
    public string? CreatedPrivateKeyPem { get; }

    /// <summary>Gets the CA certificate's subject.</summary>
    public string Subject => _certificate.Subject;

    /// <summary>Gets the CA's expiry.</summary>
    public DateTimeOffset NotAfter => ToUtc(_certificate.NotAfter);

    /// <summary>Creates a self-signed CA (path length 0: it signs only end-entity certificates).</summary>
    public static CertificateAuthority Create(string commonName, CertificateKeyAlgorithm algorithm, DateTimeOffset now, TimeSpan validity)
    {
        using var key = KeyPairs.Create(algorithm);
        var subject = SubjectOf(commonName);
        var request = new CertificateRequest(subject, KeyPairs.PublicKeyOf(key), KeyPairs.HashFor(key));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        using var unsigned = request.Create(subject, KeyPairs.SignerFor(key), now - Backdate, now + validity, KeyPairs.NewSerialNumber());
        return new CertificateAuthority(WithKey(unsigned, key), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Loads a CA from the PEM certificate and key of its Secret.</summary>
    /// <exception cref="InvalidDataException">They are not a CA certificate with its key, valid at <paramref name="now"/>; the message says why.</exception>
    public static CertificateAuthority Load(string certificatePem, string privateKeyPem, DateTimeOffset now)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem, privateKeyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // The exception's text is about the PEM's structure, never its content.
            throw new InvalidDataException($"{IssuedCertificate.CertificateKey} and {IssuedCertificate.PrivateKeyKey} are not a PEM certificate and its private key ({e.Message})", e);
        }

        var authority = new CertificateAuthority(certificate);
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        var problem = constraints is not { CertificateAuthority: true } ? $"'{certificate.Subject}' is not a CA certificate (no basicConstraints CA:TRUE)"
            : now >= authority.NotAfter ? $"the CA '{certificate.Subject}' expired at {authority.NotAfter:u}"
            : null;
        if (problem is not null)
        {
            authority.Dispose();
            throw new InvalidDataException(problem);
        }

        return authority;
    }


    /// <summary>Issues a fresh key pair and a server and client certificate for the names; never valid past the CA.</summary>
    public IssuedCertificate Issue(string commonName, IReadOnlyCollection<string> dnsNames, CertificateOptions options, DateTimeOffset now) =>
        Issue(commonName, dnsNames, [], options, now);

    /// <summary>Issues a fresh key pair and a server and client certificate for the names and IP addresses; never valid past the CA.</summary>
    public IssuedCertificate Issue(string commonName, IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> ipAddresses, CertificateOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentNullException.ThrowIfNull(ipAddresses);
        CheckNames(commonName, dnsNames, ipAddresses);
        if (now >= NotAfter)
        {
            throw new InvalidOperationException($"The CA '{Subject}' expired at {NotAfter:u}; it signs nothing more.");
        }

        using var key = KeyPairs.Create(options.KeyAlgorithm);
        var subject = SubjectOf(commonName);
        var request = new CertificateRequest(subject, KeyPairs.PublicKeyOf(key), KeyPairs.HashFor(_key));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        var usage = key is RSA ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuth), new Oid(ClientAuth)], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dnsName in dnsNames)
        {
            names.AddDnsName(dnsName);
        }

        foreach (var ipAddress in ipAddresses)
        {
            names.AddIpAddress(ipAddress);
        }

        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var notAfter = Min(now + options.CertificateValidity, NotAfter);
        using var certificate = request.Create(_certificate.SubjectName, KeyPairs.SignerFor(_key), now - Backdate, notAfter, KeyPairs.NewSerialNumber());
        var notBeforeUtc = ToUtc(certificate.NotBefore);
        var notAfterUtc = ToUtc(certificate.NotAfter);
        return new IssuedCertificate(
            certificate.ExportCertificatePem(),
            key.ExportPkcs8PrivateKeyPem(),
            CertificatePem,
            certificate.Subject,
            dnsNames.ToArray(),
            notBeforeUtc,
            notAfterUtc,
            RenewalTime(notBeforeUtc, notAfterUtc, options.RenewAtFractionOfLifetime),
            ipAddresses.ToArray());
    }

    /// <summary>Checks a TLS Secret's data against this CA and the expected names at <paramref name="now"/>.</summary>
    public CertificateCheck Check(IDictionary<string, byte[]>? data, string commonName, IReadOnlyCollection<string> dnsNames, double renewAtFraction, DateTimeOffset now)
    {
        if (data is null
            || !data.TryGetValue(IssuedCertificate.CertificateKey, out var certificateBytes)
            || !data.TryGetValue(IssuedCertificate.PrivateKeyKey, out var keyBytes)
            || !data.TryGetValue(IssuedCertificate.CaCertificateKey, out var caBytes))
        {
            return new CertificateCheck(CertificateStatus.Missing, null, null);
        }

        var certificatePem = Encoding.UTF8.GetString(certificateBytes);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem);
        }
        catch (CryptographicException)
        {
            return new CertificateCheck(CertificateStatus.Unreadable, null, null);
        }

        using (certificate)
        {
            var notBefore = ToUtc(certificate.NotBefore);
            var notAfter = ToUtc(certificate.NotAfter);
            var renewAt = RenewalTime(notBefore, notAfter, renewAtFraction);
            var status = !IsThisCa(caBytes) || !IsSignedByThisCa(certificate) ? CertificateStatus.OtherAuthority
                : !HasKey(certificatePem, keyBytes) ? CertificateStatus.KeyMismatch
                : !HasNames(certificate, commonName, dnsNames) ? CertificateStatus.NamesChanged
                : now >= renewAt ? CertificateStatus.DueForRenewal
                : CertificateStatus.Current;
            return new CertificateCheck(status, notAfter, renewAt);
        }
    }

    /// <summary>When a certificate valid from <paramref name="notBefore"/> to <paramref name="notAfter"/> is due for renewal.</summary>
    public static DateTimeOffset RenewalTime(DateTimeOffset notBefore, DateTimeOffset notAfter, double fraction) =>
        notBefore + ((notAfter - notBefore) * fraction);

    public void Dispose()
    {
        _key.Dispose();
        _certificate.Dispose();
    }

    private static void CheckNames(string commonName, IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> ipAddresses)
    {
        if (string.IsNullOrEmpty(commonName) || commonName.Length > MaxCommonNameLength || commonName.Any(char.IsControl))
        {
            throw new ArgumentException($"A certificate's common name must be 1–{MaxCommonNameLength} characters without control characters (was {commonName?.Length ?? 0} characters).", nameof(commonName));
        }

        if (dnsNames.Count == 0 && ipAddresses.Count == 0)
        {
            throw new ArgumentException("A certificate needs at least one DNS name or IP address.", nameof(dnsNames));
        }

        if (ipAddresses.Any(a => a is null))
        {
            throw new ArgumentException("An IP address is null.", nameof(ipAddresses));
        }

        var index = 0;
        foreach (var dnsName in dnsNames)
        {
            if (!KubernetesNames.IsDnsSubdomain(dnsName))
            {
                throw new ArgumentException(
                    $"DNS name {index} ({dnsName?.Length ?? 0} characters) is not a lowercase RFC 1123 DNS name of at most {KubernetesNames.MaxSubdomainLength} characters.",
                    nameof(dnsNames));
            }

            index++;
        }
    }

    private bool IsThisCa(byte[] caPem)
    {
        try
        {
            using var ca = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(caPem));
            return ca.RawDataMemory.Span.SequenceEqual(_certificate.RawDataMemory.Span);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private bool IsSignedByThisCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        try
        {
            return chain.Build(certificate)
                && chain.ChainElements.Count == 2
                && chain.ChainElements[1].Certificate.RawDataMemory.Span.SequenceEqual(_certificate.RawDataMemory.Span);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    private static bool HasKey(string certificatePem, byte[] keyPem)
    {
        try
        {
            using var withKey = X509Certificate2.CreateFromPem(certificatePem, Encoding.UTF8.GetString(keyPem));
            return withKey.HasPrivateKey;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return false;
        }
    }

    private static bool HasNames(X509Certificate2 certificate, string commonName, IReadOnlyCollection<string> dnsNames)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames());
        return string.Equals(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), commonName, StringComparison.Ordinal)
            && names.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(dnsNames);
    }

    private static X500DistinguishedName SubjectOf(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static X509Certificate2 WithKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        _ => throw new NotSupportedException($"Keys of type {key.GetType().Name} are not supported."),
    };

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset ToUtc(DateTime time) => new(time.ToUniversalTime(), TimeSpan.Zero);
}
