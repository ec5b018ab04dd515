using Box.K8sEventReporting.Certificates;
using Samples.Apps;

namespace Box.K8sEventReporting.Tests.Samples;

/// <summary>What App1 and App2 log from their mounted Secret, including after the kubelet swaps it in place.</summary>
public sealed class MountedCertificateTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("pki-mount-").FullName;
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("Test CA", CertificateKeyAlgorithm.EcdsaP256, Now, TimeSpan.FromDays(365));

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Read_NothingMountedYet_Null()
    {
        Assert.Null(MountedCertificate.Read(_directory));
        Assert.Null(MountedCertificate.Read(Path.Combine(_directory, "missing")));
    }

    [Fact]
    public void Read_MountedSecret_SubjectDnsNamesAndExpiryButNoKey()
    {
        var issued = Mount("..2026_11_30_01_00_00.1", "app2");

        var (_, description) = MountedCertificate.Read(_directory)!.Value;

        Assert.Equal(
            $"certificate CN=app2, DNS names [app2, app2.app2.svc, app2.app2.svc.cluster.local], expires {issued.NotAfter.UtcDateTime:u}",
            description);
        Assert.DoesNotContain("PRIVATE", description, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KubeletSwapsTheDataSymlink_FingerprintChanges()
    {
        Mount("..2026_11_30_01_00_00.1", "app2");
        var before = MountedCertificate.Read(_directory)!.Value;

        Mount("..2026_11_30_02_00_00.2", "app2");
        var after = MountedCertificate.Read(_directory)!.Value;

        Assert.NotEqual(before.Fingerprint, after.Fingerprint);
        Assert.Equal(after.Fingerprint, MountedCertificate.Read(_directory)!.Value.Fingerprint);
    }

    [Fact]
    public void Read_Garbage_SaysSoInsteadOfThrowing()
    {
        File.WriteAllText(Path.Combine(_directory, "tls.crt"), "not a certificate");

        Assert.Equal("tls.crt is not a PEM certificate", MountedCertificate.Read(_directory)!.Value.Description);
    }

    /// <summary>Lays out files as the kubelet does: a timestamped directory, <c>..data</c> pointing at it, and <c>tls.crt</c> through <c>..data</c>.</summary>
    private IssuedCertificate Mount(string version, string serviceName)
    {
        var issued = _ca.Issue(serviceName, [serviceName, $"{serviceName}.app2.svc", $"{serviceName}.app2.svc.cluster.local"], new CertificateOptions(), Now);
        var versioned = Directory.CreateDirectory(Path.Combine(_directory, version)).FullName;
        foreach (var (key, value) in issued.ToSecretData())
        {
            File.WriteAllBytes(Path.Combine(versioned, key), value);
        }

        // The kubelet renames a new ..data link over the old one; replacing it (not concurrently read here) is the same to a reader.
        var data = Path.Combine(_directory, "..data");
        if (new FileInfo(data).LinkTarget is not null)
        {
            Directory.Delete(data);
        }

        Directory.CreateSymbolicLink(data, version);
        var link = Path.Combine(_directory, "tls.crt");
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, Path.Combine("..data", "tls.crt"));
        }

        return issued;
    }
}
