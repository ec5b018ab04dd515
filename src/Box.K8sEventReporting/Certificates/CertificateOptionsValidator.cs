using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Reporting;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Certificates;

/// <summary>Checks <see cref="CertificateOptions"/> at start; every bad setting is named with its value and range.</summary>
internal sealed class CertificateOptionsValidator : IValidateOptions<CertificateOptions>
{
    private const string Prefix = "K8sEventReporting:" + CertificateOptions.SectionName + ":";
    private const string Type = nameof(CertificateOptions);

    public ValidateOptionsResult Validate(string? name, CertificateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        OptionsRange.Check(failures, Type, Prefix, nameof(options.CaValidity), options.CaValidity, TimeSpan.FromDays(1), TimeSpan.FromDays(36500));
        OptionsRange.Check(failures, Type, Prefix, nameof(options.CertificateValidity), options.CertificateValidity, TimeSpan.FromHours(1), TimeSpan.FromDays(3650));
        OptionsRange.Check(failures, Type, Prefix, nameof(options.RenewAtFractionOfLifetime), options.RenewAtFractionOfLifetime, 0.1, 0.95);
        if (options.CertificateValidity >= options.CaValidity)
        {
            failures.Add(
                $"{Type}.{nameof(options.CertificateValidity)} must be less than CaValidity ({options.CaValidity}) (was {options.CertificateValidity}); " +
                $"set {Prefix}{nameof(options.CertificateValidity)}.");
        }

        if (!Enum.IsDefined(options.KeyAlgorithm))
        {
            failures.Add(
                $"{Type}.{nameof(options.KeyAlgorithm)} must be one of {string.Join(", ", Enum.GetNames<CertificateKeyAlgorithm>())} " +
                $"(was {options.KeyAlgorithm}); set {Prefix}{nameof(options.KeyAlgorithm)}.");
        }

        if (!KubernetesNames.IsDnsSubdomain(options.SecretName))
        {
            failures.Add($"{Type}.{nameof(options.SecretName)} must be a Secret name, a lowercase DNS subdomain (was '{options.SecretName}'); set {Prefix}{nameof(options.SecretName)}.");
        }

        if (string.IsNullOrWhiteSpace(options.CommonName) || options.CommonName.Length > 64)
        {
            failures.Add($"{Type}.{nameof(options.CommonName)} must be 1–64 characters (was '{options.CommonName}'); set {Prefix}{nameof(options.CommonName)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

