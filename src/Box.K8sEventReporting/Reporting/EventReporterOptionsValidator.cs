using Box.K8sEventReporting.Primitives;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Checks <see cref="EventReporterOptions"/> and reports every problem at once, each naming property, value and allowed range.</summary>
[OptionsValidator]
internal sealed partial class EventReporterOptionsValidator : IValidateOptions<EventReporterOptions>
{
    /// <summary>Gets the shared instance.</summary>
    public static EventReporterOptionsValidator Instance { get; } = new();

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem of <paramref name="options"/>.</summary>
    public static void ThrowIfInvalid(EventReporterOptions options)
    {
        var result = Instance.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EventReporterOptions), result.Failures);
        }
    }
}

/// <summary>The longest retry delay is never below the first.</summary>
internal sealed class NotBelowRetryBaseDelayAttribute : SettingAttribute
{
    /// <inheritdoc />
    protected override string? Broken(object? value, object options) =>
        value is TimeSpan longest && ((EventReporterOptions)options).RetryBaseDelay is var first && longest < first
            ? $"must not be below RetryBaseDelay ({Shown(first)})"
            : null;
}
