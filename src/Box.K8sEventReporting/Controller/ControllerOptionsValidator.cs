using Box.K8sEventReporting.Primitives;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Controller;

/// <summary>Checks <see cref="ControllerOptions"/> at start, naming every bad setting with its value and allowed range.</summary>
[OptionsValidator]
internal sealed partial class ControllerOptionsValidator : IValidateOptions<ControllerOptions>;

/// <summary><see cref="ControllerOptions.RetryMaxDelay"/> runs from <see cref="ControllerOptions.RetryBaseDelay"/> to 24 hours.</summary>
internal sealed class RetryMaxDelayRangeAttribute() : SettingRangeAttribute("00:00:00", "1.00:00:00")
{
    /// <inheritdoc />
    protected override IComparable Minimum(object options) => ((ControllerOptions)options).RetryBaseDelay;
}
