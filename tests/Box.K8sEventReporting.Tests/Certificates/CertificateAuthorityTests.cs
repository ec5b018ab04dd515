using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Box.K8sEventReporting.Certificates;

namespace Box.K8sEventReporting.Tests.Certificates;

public sealed class CertificateAuthorityTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);
    private static readonly string[] Names = ["app2", "app2.team.svc", "app2.team.svc.cluster.local"];
    private readonly CertificateOptions _options = new();
    private readonly CertificateAuthority _ca;

    public CertificateAuthorityTests() => _ca = CertificateAuthority.Create("Test CA", CertificateKeyAlgorithm.EcdsaP256, Now, TimeSpan.FromDays(3650));

    public void Dispose() => _ca.Dispose();

    [Theory]
    [InlineData(CertificateKeyAlgorithm.EcdsaP256)]
    [InlineData(CertificateKeyAlgorithm.EcdsaP384)]
    [InlineData(CertificateKeyAlgorithm.Rsa2048)]
    public void Issue_ChainVerifiesAgainstCaCrtForEveryExpectedName(CertificateKeyAlgorithm algorithm)
    {
        _options.KeyAlgorithm = algorithm;
        var issued = _ca.Issue("app2", Names, _options, Now);

        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.PrivateKeyPem);
        using var ca = X509Certificate2.CreateFromPem(issued.CaCertificatePem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = Now.UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));

        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal("CN=app2", leaf.Subject);
        Assert.All(Names, name => Assert.True(leaf.MatchesHostname(name), name));
        Assert.False(leaf.MatchesHostname("app1.team.svc"));
        Assert.Equal(Names, leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(Now + _options.CertificateValidity, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()));
        Assert.Equal(issued.NotAfter, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", issued.PrivateKeyPem, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", issued.CertificatePem, StringComparison.Ordinal);
    }

    [Fact]
    public void Issue_DefaultAlgorithm_IsEcdsaP256()
    {
        var issued = _ca.Issue("app2", Names, _options, Now);

        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem);
        using var key = leaf.GetECDsaPublicKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
    }

    [Fact]
    public void Issue_TwoCalls_FreshKeyPairAndSerialEachTime()
    {
        var first = _ca.Issue("app2", Names, _options, Now);
        var second = _ca.Issue("app2", Names, _options, Now);

        using var a = X509Certificate2.CreateFromPem(first.CertificatePem);
        using var b = X509Certificate2.CreateFromPem(second.CertificatePem);
        Assert.NotEqual(first.PrivateKeyPem, second.PrivateKeyPem);
        Assert.NotEqual(a.SerialNumber, b.SerialNumber);
    }

    [Fact]
    public void Issue_CaExpiresBeforeTheValidity_CertificateEndsWithTheCa()
    {
        using var shortCa = CertificateAuthority.Create("Short CA", CertificateKeyAlgorithm.EcdsaP256, Now, TimeSpan.FromDays(30));

        var issued = shortCa.Issue("app2", Names, _options, Now);

        Assert.Equal(shortCa.NotAfter, issued.NotAfter);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a-common-name-that-is-far-too-long-for-x509-which-allows-64-chars!")]
    [InlineData("line\nbreak")]
    public void Issue_BadCommonName_ThrowsArgumentException(string commonName) =>
        Assert.Throws<ArgumentException>(() => _ca.Issue(commonName, Names, _options, Now));

    [Theory]
    [InlineData("UPPER")]
    [InlineData("under_score")]
    [InlineData("-dash")]
    public void Issue_BadDnsName_ThrowsArgumentException(string dnsName) =>
        Assert.Throws<ArgumentException>(() => _ca.Issue("app2", [dnsName], _options, Now));

    [Fact]
    public void Issue_IpAddresses_AreIpSubjectAlternativeNames_BesideTheDnsNames()
    {
        IPAddress[] addresses = [IPAddress.Loopback, IPAddress.IPv6Loopback];

        var issued = _ca.Issue("127.0.0.1", [], addresses, _options, Now);

        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem);
        var names = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(addresses, names.EnumerateIPAddresses());
        Assert.Empty(names.EnumerateDnsNames());
        Assert.True(leaf.MatchesHostname("127.0.0.1"));
        Assert.False(leaf.MatchesHostname("127.0.0.2"));
        Assert.Equal(addresses, issued.IpAddresses);
        Assert.Empty(issued.DnsNames);
        Assert.Contains("DNS:[] IP:[127.0.0.1, ::1]", issued.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Issue_NeitherADnsNameNorAnIpAddress_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => _ca.Issue("app2", [], [], _options, Now));

    [Fact]
    public void Issue_DefaultImplementationOfTheIpOverload_DnsNamesOnly()
    {
        ICertificateAuthority dnsOnly = new DnsOnlyAuthority(_ca, _options);

        Assert.Empty(dnsOnly.Issue("app2", Names, []).IpAddresses);
        Assert.Throws<NotSupportedException>(() => dnsOnly.Issue("app2", Names, [IPAddress.Loopback]));
    }

    [Fact]
    public void ToString_NeverContainsThePrivateKey()
    {
        var issued = _ca.Issue("app2", Names, _options, Now);

        var text = issued.ToString();

        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.Contains("CN=app2", text, StringComparison.Ordinal);
        Assert.Contains("app2.team.svc.cluster.local", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_JustIssued_IsCurrentUntilTwoThirdsOfItsLifetime()
    {
        var issued = _ca.Issue("app2", Names, _options, Now);
        var lifetime = issued.NotAfter - issued.NotBefore;

        var check = _ca.Check(issued.ToSecretData(), "app2", Names, _options.RenewAtFractionOfLifetime, Now);

        Assert.Equal(CertificateStatus.Current, check.Status);
        Assert.Equal(issued.NotAfter, check.NotAfter);
        Assert.Equal(issued.NotBefore + (lifetime * 2 / 3), check.RenewAt);
        Assert.Equal(issued.RenewAt, check.RenewAt);
        Assert.Equal(CertificateStatus.Current, _ca.Check(issued.ToSecretData(), "app2", Names, 2.0 / 3.0, issued.RenewAt.AddSeconds(-1)).Status);
        Assert.Equal(CertificateStatus.DueForRenewal, _ca.Check(issued.ToSecretData(), "app2", Names, 2.0 / 3.0, issued.RenewAt).Status);
        Assert.Equal(CertificateStatus.DueForRenewal, _ca.Check(issued.ToSecretData(), "app2", Names, 2.0 / 3.0, issued.NotAfter.AddDays(1)).Status);
    }

    [Fact]
    public void Check_OtherFraction_RenewsAtThatPoint()
    {
        var issued = _ca.Issue("app2", Names, _options, Now);

        var check = _ca.Check(issued.ToSecretData(), "app2", Names, 0.5, Now);

        Assert.Equal(issued.NotBefore + ((issued.NotAfter - issued.NotBefore) / 2), check.RenewAt);
    }

    [Fact]
    public void Check_NamesDiffer_NamesChanged()
    {
        var issued = _ca.Issue("app2", Names, _options, Now);

        Assert.Equal(CertificateStatus.NamesChanged, _ca.Check(issued.ToSecretData(), "app1", ["app1", "app1.team.svc", "app1.team.svc.cluster.local"], 0.66, Now).Status);
        Assert.Equal(CertificateStatus.NamesChanged, _ca.Check(issued.ToSecretData(), "app2", Names.Take(2).ToArray(), 0.66, Now).Status);
        Assert.Equal(CertificateStatus.Current, _ca.Check(issued.ToSecretData(), "app2", Enumerable.Reverse(Names).ToArray(), 0.66, Now).Status);
    }

    [Fact]
    public void Check_SignedByAnotherCa_OtherAuthority()
    {
        using var other = CertificateAuthority.Create("Other CA", CertificateKeyAlgorithm.EcdsaP256, Now, TimeSpan.FromDays(3650));
        var foreign = other.Issue("app2", Names, _options, Now).ToSecretData();
        var ours = _ca.Issue("app2", Names, _options, Now).ToSecretData();
        var foreignWithOurCaCrt = new Dictionary<string, byte[]>(foreign) { [IssuedCertificate.CaCertificateKey] = ours[IssuedCertificate.CaCertificateKey] };

        Assert.Equal(CertificateStatus.OtherAuthority, _ca.Check(foreign, "app2", Names, 0.66, Now).Status);
        Assert.Equal(CertificateStatus.OtherAuthority, _ca.Check(foreignWithOurCaCrt, "app2", Names, 0.66, Now).Status);
    }

    [Fact]
    public void Check_KeyOfAnotherCertificate_KeyMismatch()
    {
        var data = _ca.Issue("app2", Names, _options, Now).ToSecretData();
        data[IssuedCertificate.PrivateKeyKey] = _ca.Issue("app2", Names, _options, Now).ToSecretData()[IssuedCertificate.PrivateKeyKey];

        Assert.Equal(CertificateStatus.KeyMismatch, _ca.Check(data, "app2", Names, 0.66, Now).Status);
    }

    [Fact]
    public void Check_MissingOrGarbage_MissingOrUnreadable()
    {
        var data = _ca.Issue("app2", Names, _options, Now).ToSecretData();

        Assert.Equal(CertificateStatus.Missing, _ca.Check(null, "app2", Names, 0.66, Now).Status);
        Assert.Equal(CertificateStatus.Missing, _ca.Check(new Dictionary<string, byte[]> { ["serviceName"] = "app2"u8.ToArray() }, "app2", Names, 0.66, Now).Status);
        data[IssuedCertificate.CertificateKey] = Encoding.UTF8.GetBytes("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
        Assert.Equal(CertificateStatus.Unreadable, _ca.Check(data, "app2", Names, 0.66, Now).Status);
    }

    [Fact]
    public void Load_WhatCreateWrote_SignsTheSameWay()
    {
        var issued = _ca.Issue("app2", Names, _options, Now);

        using var loaded = CertificateAuthority.Load(_ca.CertificatePem, _ca.CreatedPrivateKeyPem!, Now);

        Assert.Null(loaded.CreatedPrivateKeyPem);
        Assert.Equal(_ca.CertificatePem, loaded.CertificatePem);
        Assert.Equal(CertificateStatus.Current, loaded.Check(issued.ToSecretData(), "app2", Names, 0.66, Now).Status);
    }

    [Fact]
    public void Load_NotACa_SaysWhy()
    {
        var leaf = _ca.Issue("app2", Names, _options, Now);

        var ex = Assert.Throws<InvalidDataException>(() => CertificateAuthority.Load(leaf.CertificatePem, leaf.PrivateKeyPem, Now));

        Assert.Equal("'CN=app2' is not a CA certificate (no basicConstraints CA:TRUE)", ex.Message);
    }

    [Fact]
    public void Load_Expired_SaysWhen()
    {
        var ex = Assert.Throws<InvalidDataException>(() => CertificateAuthority.Load(_ca.CertificatePem, _ca.CreatedPrivateKeyPem!, Now.AddYears(11)));

        Assert.StartsWith("the CA 'CN=Test CA' expired at ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyOfAnotherCa_RefusedWithoutShowingTheKey()
    {
        using var other = CertificateAuthority.Create("Other CA", CertificateKeyAlgorithm.EcdsaP256, Now, TimeSpan.FromDays(10));

        var ex = Assert.Throws<InvalidDataException>(() => CertificateAuthority.Load(_ca.CertificatePem, other.CreatedPrivateKeyPem!, Now));

        Assert.DoesNotContain("PRIVATE", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>An implementation written before the IP address overload existed.</summary>
    private sealed class DnsOnlyAuthority(CertificateAuthority ca, CertificateOptions options) : ICertificateAuthority
    {
        public string CertificatePem => ca.CertificatePem;

        public DateTimeOffset NotAfter => ca.NotAfter;

        public IssuedCertificate Issue(string commonName, IReadOnlyCollection<string> dnsNames) => ca.Issue(commonName, dnsNames, options, Now);

        public CertificateCheck Check(IDictionary<string, byte[]>? secretData, string commonName, IReadOnlyCollection<string> dnsNames) =>
            ca.Check(secretData, commonName, dnsNames, options.RenewAtFractionOfLifetime, Now);
    }
}
