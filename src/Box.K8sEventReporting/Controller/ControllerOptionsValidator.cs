using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Controller;

/// <summary>Checks <see cref="ControllerOptions"/> at start, naming every bad setting with its value and allowed range.</summary>
internal sealed class ControllerOptionsValidator : IValidateOptions<ControllerOptions>
{
    private const string Prefix = "K8sEventReporting:" + ControllerOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, nameof(options.Workers), options.Workers, 1, 64);
        Check(failures, nameof(options.RevalidationInterval), options.RevalidationInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        Check(failures, nameof(options.RetryBaseDelay), options.RetryBaseDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        Check(failures, nameof(options.RetryMaxDelay), options.RetryMaxDelay, options.RetryBaseDelay, TimeSpan.FromHours(24));
        Check(failures, nameof(options.RetryRatePerSecond), options.RetryRatePerSecond, 0.001, 100_000);
        Check(failures, nameof(options.RetryBurst), options.RetryBurst, 1, 100_000);
        Check(failures, nameof(options.ShutdownTimeout), options.ShutdownTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Check(failures, nameof(options.StallTimeout), options.StallTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (options.ManagedBy is { } managedBy && !Reporting.KubernetesNames.IsLabelValue(managedBy))
        {
            failures.Add($"{nameof(ControllerOptions)}.{nameof(options.ManagedBy)} must be a label value: 1–63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (was '{managedBy}'); set {Prefix}{nameof(options.ManagedBy)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check<TValue>(List<string> failures, string property, TValue value, TValue min, TValue max)
        where TValue : IComparable<TValue> =>
        OptionsRange.Check(failures, nameof(ControllerOptions), Prefix, property, value, min, max);
}
