using Box.K8sEventReporting.Primitives;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Checks <see cref="HealthProbeOptions"/> at start when enabled; every bad setting is named with its value and range.</summary>
internal sealed partial class HealthProbeOptionsValidator : IValidateOptions<HealthProbeOptions>
{
    private readonly Settings settings = new();

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HealthProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Enabled ? settings.Validate(name, options) : ValidateOptionsResult.Skip;
    }

    [OptionsValidator]
    private sealed partial class Settings : IValidateOptions<HealthProbeOptions>;
}

/// <summary>The address the probe server listens on: '*', a host name or an IP address, never a URL.</summary>
internal sealed class ProbeAddressAttribute : SettingAttribute
{
    /// <inheritdoc />
    protected override string? Broken(object? value, object options) =>
        value is string address && !string.IsNullOrWhiteSpace(address) && !address.Contains('/', StringComparison.Ordinal)
            ? null
            : "must be '*' (every interface), a host name or an IP address";
}
