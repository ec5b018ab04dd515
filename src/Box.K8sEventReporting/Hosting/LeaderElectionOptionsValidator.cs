using Box.K8sEventReporting.Controller;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Checks <see cref="LeaderElectionOptions"/> at start; every bad setting is named with its value and range.</summary>
internal sealed class LeaderElectionOptionsValidator : IValidateOptions<LeaderElectionOptions>
{
    private const string Prefix = "K8sEventReporting:" + LeaderElectionOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, LeaderElectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        const string Type = nameof(LeaderElectionOptions);
        OptionsRange.Check(failures, Type, Prefix, nameof(options.LeaseDuration), options.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        OptionsRange.Check(failures, Type, Prefix, nameof(options.RetryPeriod), options.RetryPeriod, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        if (options.RenewDeadline >= options.LeaseDuration || options.RenewDeadline <= options.RetryPeriod)
        {
            failures.Add(
                $"{Type}.{nameof(options.RenewDeadline)} must be more than RetryPeriod ({options.RetryPeriod}) and less than LeaseDuration " +
                $"({options.LeaseDuration}) (was {options.RenewDeadline}); set {Prefix}{nameof(options.RenewDeadline)}.");
        }

        if (string.IsNullOrWhiteSpace(options.LeaseName))
        {
            failures.Add($"{Type}.{nameof(options.LeaseName)} must be a Lease name (was empty); set {Prefix}{nameof(options.LeaseName)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
