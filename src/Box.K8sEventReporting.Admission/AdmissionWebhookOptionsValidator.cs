using System.Globalization;
using System.Net;
using Box.K8sEventReporting.Reporting;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Admission;

/// <summary>Checks <see cref="AdmissionWebhookOptions"/> at start: every problem, with the setting's name, value and what is allowed.</summary>
internal sealed class AdmissionWebhookOptionsValidator : IValidateOptions<AdmissionWebhookOptions>
{
    private const string Prefix = "K8sEventReporting:Admission:";

    public ValidateOptionsResult Validate(string? name, AdmissionWebhookOptions options)
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            problems.Add($"{Prefix}Mode is {options.Mode}; allowed: Warn, Deny.");
        }

        if (options.Port is < 0 or > 65535)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Prefix}Port is {options.Port}; allowed: 0-65535."));
        }

        if (!IPAddress.TryParse(options.Address, out _))
        {
            problems.Add($"{Prefix}Address is '{options.Address}'; allowed: an IP address, for example 0.0.0.0.");
        }

        if (!IsDnsLabel(options.ServiceName))
        {
            problems.Add($"{Prefix}ServiceName is '{options.ServiceName}'; allowed: a DNS label (lowercase letters, digits and '-', at most 63).");
        }

        if (options.ServiceNamespace is { } ns && !IsDnsLabel(ns))
        {
            problems.Add($"{Prefix}ServiceNamespace is '{ns}'; allowed: a namespace name, or empty for the pod's own.");
        }

        if (options.WebhookConfigurationName is { Length: > 253 })
        {
            problems.Add($"{Prefix}WebhookConfigurationName is longer than 253 characters.");
        }

        if (options.ValidationTimeout < TimeSpan.FromMilliseconds(10) || options.ValidationTimeout > TimeSpan.FromSeconds(29))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Prefix}ValidationTimeout is {options.ValidationTimeout}; allowed: 00:00:00.010-00:00:29 (below the webhook's timeoutSeconds)."));
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static bool IsDnsLabel(string? value) =>
        KubernetesNames.IsDnsSubdomain(value) && !value!.Contains('.', StringComparison.Ordinal);
}
