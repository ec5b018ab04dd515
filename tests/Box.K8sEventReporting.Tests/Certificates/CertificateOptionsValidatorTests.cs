using Box.K8sEventReporting.Certificates;

namespace Box.K8sEventReporting.Tests.Certificates;

public sealed class CertificateOptionsValidatorTests
{
    private readonly CertificateOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Succeed() => Assert.True(_validator.Validate(null, new CertificateOptions()).Succeeded);

    [Fact]
    public void Validate_Defaults_AreTenYearCaNinetyDayCertificatesRenewedAtTwoThirds()
    {
        var options = new CertificateOptions();

        Assert.Equal(TimeSpan.FromDays(3650), options.CaValidity);
        Assert.Equal(TimeSpan.FromDays(90), options.CertificateValidity);
        Assert.Equal(2.0 / 3.0, options.RenewAtFractionOfLifetime);
        Assert.Equal(CertificateKeyAlgorithm.EcdsaP256, options.KeyAlgorithm);
    }

    [Fact]
    public void Validate_CertificateOutlivesCa_OneLineNamingBoth()
    {
        var result = _validator.Validate(null, new CertificateOptions { CaValidity = TimeSpan.FromDays(30), CertificateValidity = TimeSpan.FromDays(90) });

        Assert.Equal(
            "CertificateOptions.CertificateValidity must be less than CaValidity (30.00:00:00) (was 90.00:00:00); set K8sEventReporting:Certificates:CertificateValidity.",
            Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData(0.0, "RenewAtFractionOfLifetime")]
    [InlineData(1.0, "RenewAtFractionOfLifetime")]
    public void Validate_FractionOutOfRange_NamesIt(double fraction, string setting)
    {
        var result = _validator.Validate(null, new CertificateOptions { RenewAtFractionOfLifetime = fraction });

        Assert.Contains(result.Failures!, f => f.StartsWith($"CertificateOptions.{setting} must be 0.1–0.95 (was {fraction})", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EverythingWrong_EveryFailureNamed()
    {
        var result = _validator.Validate(null, new CertificateOptions
        {
            SecretName = "Not_A_Name",
            CommonName = string.Empty,
            CaValidity = TimeSpan.Zero,
            CertificateValidity = TimeSpan.FromMinutes(1),
            KeyAlgorithm = (CertificateKeyAlgorithm)42,
        });

        Assert.Equal(6, result.Failures!.Count());   // CertificateValidity is both out of range and not less than CaValidity
        Assert.All(result.Failures!, f => Assert.Contains("set K8sEventReporting:Certificates:", f, StringComparison.Ordinal));
    }
}
