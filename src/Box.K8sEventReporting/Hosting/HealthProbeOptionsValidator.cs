using Box.K8sEventReporting.Controller;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Checks <see cref="HealthProbeOptions"/> at start when enabled; every bad setting is named with its value and range.</summary>
internal sealed class HealthProbeOptionsValidator : IValidateOptions<HealthProbeOptions>
{
    private const string Prefix = "K8sEventReporting:" + HealthProbeOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, HealthProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        const string Type = nameof(HealthProbeOptions);
        OptionsRange.Check(failures, Type, Prefix, nameof(options.Port), options.Port, 1, 65535);
        if (string.IsNullOrWhiteSpace(options.Address) || options.Address.Contains('/', StringComparison.Ordinal))
        {
            failures.Add(
                $"{Type}.{nameof(options.Address)} must be '*' (every interface), a host name or an IP address (was '{options.Address}'); " +
                $"set {Prefix}{nameof(options.Address)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
