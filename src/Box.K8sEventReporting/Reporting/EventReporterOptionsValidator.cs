using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Checks <see cref="EventReporterOptions"/> and reports every problem at once, each naming property, value and allowed range.</summary>
internal sealed class EventReporterOptionsValidator : IValidateOptions<EventReporterOptions>
{
    private const string Prefix = nameof(EventReporterOptions) + ".";
    private const string Section = "K8sEventReporting:" + EventReporterOptions.SectionName + ":";

    /// <summary>Gets the shared instance.</summary>
    public static EventReporterOptionsValidator Instance { get; } = new();

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, EventReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (!KubernetesNames.IsQualifiedName(options.ReportingComponent))
        {
            failures.Add($"{Prefix}{nameof(options.ReportingComponent)} must be a qualified name ([DNS subdomain/]name, name part 1-63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric, e.g. 'box.com/controlplane') (was '{options.ReportingComponent}'); set {Section}{nameof(options.ReportingComponent)}.");
        }

        if (string.IsNullOrEmpty(options.ReportingInstance) || options.ReportingInstance.Length > KubernetesNames.MaxReasonLength)
        {
            failures.Add($"{Prefix}{nameof(options.ReportingInstance)} must be 1-128 characters (was '{options.ReportingInstance}', {options.ReportingInstance?.Length ?? 0} characters); set {Section}{nameof(options.ReportingInstance)}.");
        }

        if (!Enum.IsDefined(options.ApiVersion))
        {
            failures.Add($"{Prefix}{nameof(options.ApiVersion)} must be Automatic, CoreV1 or EventsV1 (was {(int)options.ApiVersion}).");
        }

        if (string.IsNullOrEmpty(options.DefaultAction) || options.DefaultAction.Length > KubernetesNames.MaxReasonLength)
        {
            failures.Add($"{Prefix}{nameof(options.DefaultAction)} must be 1-128 characters (was '{options.DefaultAction}').");
        }

        CheckRange(failures, nameof(options.AggregationWindow), options.AggregationWindow, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        CheckRange(failures, nameof(options.AggregationThreshold), options.AggregationThreshold, 1, 1000);
        CheckRange(failures, nameof(options.SpamFilterBurst), options.SpamFilterBurst, 1, 10_000);
        CheckRange(failures, nameof(options.SpamFilterRefillInterval), options.SpamFilterRefillInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        CheckRange(failures, nameof(options.CacheSize), options.CacheSize, 16, 1_000_000);
        CheckRange(failures, nameof(options.QueueCapacity), options.QueueCapacity, 1, 1_000_000);
        CheckRange(failures, nameof(options.MaxDeferredEvents), options.MaxDeferredEvents, 1, 1_000_000);
        CheckRange(failures, nameof(options.MaxConcurrentWrites), options.MaxConcurrentWrites, 1, 64);
        CheckRange(failures, nameof(options.MaxWriteAttempts), options.MaxWriteAttempts, 1, 100);
        CheckRange(failures, nameof(options.RetryBaseDelay), options.RetryBaseDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        CheckRange(failures, nameof(options.RetryMaxDelay), options.RetryMaxDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10));
        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add($"{Prefix}{nameof(options.RetryMaxDelay)} must not be below {nameof(options.RetryBaseDelay)} ({options.RetryBaseDelay}) (was {options.RetryMaxDelay}); set {Section}{nameof(options.RetryMaxDelay)}.");
        }

        CheckRange(failures, nameof(options.ShutdownTimeout), options.ShutdownTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        if (!Enum.IsDefined(options.EventLogLevel))
        {
            failures.Add($"{Prefix}{nameof(options.EventLogLevel)} must be a LogLevel from Trace to None (was {(int)options.EventLogLevel}).");
        }

        CheckRange(failures, nameof(options.MaxPodsPerOwner), options.MaxPodsPerOwner, 1, 1000);
        if (!KubernetesNames.IsValidReason(options.ConditionType))
        {
            failures.Add($"{Prefix}{nameof(options.ConditionType)} must be UpperCamelCase letters and digits, 1-128 characters (was '{options.ConditionType}'); set {Section}{nameof(options.ConditionType)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem of <paramref name="options"/>.</summary>
    public static void ThrowIfInvalid(EventReporterOptions options)
    {
        var result = Instance.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EventReporterOptions), result.Failures);
        }
    }

    private static void CheckRange(List<string> failures, string property, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{property} must be {min}-{max} (was {value}); set {Section}{property}.");
        }
    }

    private static void CheckRange(List<string> failures, string property, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{property} must be {min}-{max} (was {value}); set {Section}{property}.");
        }
    }
}
