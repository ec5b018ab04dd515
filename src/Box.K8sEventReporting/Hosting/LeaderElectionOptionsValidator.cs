using Box.K8sEventReporting.Primitives;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Checks <see cref="LeaderElectionOptions"/> at start when enabled; every bad setting is named with its value and range.</summary>
internal sealed partial class LeaderElectionOptionsValidator : IValidateOptions<LeaderElectionOptions>
{
    private readonly Settings settings = new();

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LeaderElectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Enabled ? settings.Validate(name, options) : ValidateOptionsResult.Skip;
    }

    [OptionsValidator]
    private sealed partial class Settings : IValidateOptions<LeaderElectionOptions>;
}

/// <summary>A leader renews within the lease, and tries more than once before it gives the lease up.</summary>
internal sealed class RenewDeadlineBetweenAttribute : SettingAttribute
{
    /// <inheritdoc />
    protected override string? Broken(object? value, object options)
    {
        var lease = (LeaderElectionOptions)options;
        return value is TimeSpan deadline && deadline < lease.LeaseDuration && deadline > lease.RetryPeriod
            ? null
            : $"must be more than RetryPeriod ({Shown(lease.RetryPeriod)}) and less than LeaseDuration ({Shown(lease.LeaseDuration)})";
    }
}
