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

        if (options.Url is { } url && UrlProblem(url) is { } problem)
        {
            problems.Add($"{Prefix}Url is '{Redacted(url)}' ({problem}); allowed: an absolute https URL without user information, query or fragment (the webhook's clientConfig.url), for example https://127.0.0.1:8443/validate-box-com-v1-pki.");
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

    /// <summary>Why the API server would refuse <paramref name="url"/> as a <c>clientConfig.url</c>, or the certificate could not name its host.</summary>
    private static string? UrlProblem(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            return "not an absolute URL";
        }

        if (url.Scheme != Uri.UriSchemeHttps)
        {
            return "not https";
        }

        if (url.UserInfo.Length > 0)
        {
            return "it has user information";
        }

        if (url.Query.Length > 0)
        {
            return "it has a query";
        }

        if (url.Fragment.Length > 0)
        {
            return "it has a fragment";
        }

        return url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
            || (url.HostNameType == UriHostNameType.Dns && KubernetesNames.IsDnsSubdomain(url.IdnHost))
            ? null
            : "its host is neither an IP address nor a DNS name";
    }

    /// <summary>The URL without its user information, which may hold a password.</summary>
    private static string Redacted(Uri url) =>
        url.IsAbsoluteUri && url.UserInfo.Length > 0
            ? url.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped)
            : url.OriginalString;

    private static bool IsDnsLabel(string? value) =>
        KubernetesNames.IsDnsSubdomain(value) && !value!.Contains('.', StringComparison.Ordinal);
}
