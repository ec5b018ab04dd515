using Box.K8sEventReporting.Primitives;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Certificates;

/// <summary>Checks <see cref="CertificateOptions"/> at start; every bad setting is named with its value and range.</summary>
[OptionsValidator]
internal sealed partial class CertificateOptionsValidator : IValidateOptions<CertificateOptions>;

/// <summary>A certificate must expire before the CA that signed it.</summary>
internal sealed class LessThanCaValidityAttribute : SettingAttribute
{
    /// <inheritdoc />
    protected override string? Broken(object? value, object options) =>
        value is TimeSpan validity && ((CertificateOptions)options).CaValidity is var ca && validity >= ca
            ? $"must be less than CaValidity ({Shown(ca)})"
            : null;
}
