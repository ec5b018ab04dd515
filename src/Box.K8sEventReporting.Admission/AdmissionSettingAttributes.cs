using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Admission;

/// <summary>
/// A rule on one setting of <see cref="AdmissionWebhookOptions"/>, checked by the validator that <c>[OptionsValidator]</c>
/// generates. A failure is the one line a user reads at start: the configuration key, its value and what is allowed.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = true)]
internal abstract class AdmissionSettingAttribute : ValidationAttribute
{
    private const string Section = "K8sEventReporting:" + AdmissionWebhookOptions.SectionName + ":";

    /// <summary>Says what is allowed when <paramref name="value"/> is not, and how the line shows the value.</summary>
    /// <param name="value">The setting's value.</param>
    /// <returns><see langword="null"/> when the value is allowed; otherwise the value as shown and what is allowed.</returns>
    protected abstract (string Shown, string Allowed)? Refused(object? value);

    /// <inheritdoc />
    protected sealed override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);

        // No member names: the options result builder then takes the line as it is, without a "Member: " prefix.
        return Refused(value) is { } refused
            ? new ValidationResult($"{Section}{validationContext.MemberName} is {refused.Shown}; allowed: {refused.Allowed}.")
            : ValidationResult.Success;
    }
}

/// <summary>An enum setting that must be one of the enum's named values.</summary>
internal sealed class AdmissionEnumAttribute : AdmissionSettingAttribute
{
    /// <inheritdoc />
    protected override (string Shown, string Allowed)? Refused(object? value) =>
        value is Enum named && !Enum.IsDefined(named.GetType(), named) ? (named.ToString(), string.Join(", ", Enum.GetNames(named.GetType()))) : null;
}

/// <summary>A port or a duration that must lie within a range, both ends included.</summary>
internal sealed class AdmissionRangeAttribute : AdmissionSettingAttribute
{
    private readonly IComparable minimum;
    private readonly IComparable maximum;
    private readonly string allowed;

    /// <summary>Initializes a new instance of the <see cref="AdmissionRangeAttribute"/> class for a whole-number setting.</summary>
    /// <param name="minimum">The least allowed value.</param>
    /// <param name="maximum">The greatest allowed value.</param>
    public AdmissionRangeAttribute(int minimum, int maximum) =>
        (this.minimum, this.maximum, allowed) = (minimum, maximum, string.Create(CultureInfo.InvariantCulture, $"{minimum}-{maximum}"));

    /// <summary>Initializes a new instance of the <see cref="AdmissionRangeAttribute"/> class for a duration setting.</summary>
    /// <param name="minimum">The least allowed duration, as the line writes it.</param>
    /// <param name="maximum">The greatest allowed duration, as the line writes it.</param>
    /// <param name="why">Why the range ends there, written after it in parentheses.</param>
    public AdmissionRangeAttribute(string minimum, string maximum, string why) =>
        (this.minimum, this.maximum, allowed) =
            (TimeSpan.Parse(minimum, CultureInfo.InvariantCulture), TimeSpan.Parse(maximum, CultureInfo.InvariantCulture), $"{minimum}-{maximum} ({why})");

    /// <inheritdoc />
    protected override (string Shown, string Allowed)? Refused(object? value) =>
        value is IComparable comparable && comparable.CompareTo(minimum) >= 0 && comparable.CompareTo(maximum) <= 0
            ? null
            : (Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty, allowed);
}

/// <summary>An IP address to listen on.</summary>
internal sealed class IPAddressSettingAttribute : AdmissionSettingAttribute
{
    /// <inheritdoc />
    protected override (string Shown, string Allowed)? Refused(object? value) =>
        IPAddress.TryParse(value as string, out _) ? null : ($"'{value}'", "an IP address, for example 0.0.0.0");
}

/// <summary>A DNS label, as a Service or a namespace is named.</summary>
/// <param name="allowed">What the line says is allowed.</param>
internal sealed class DnsLabelSettingAttribute(string allowed) : AdmissionSettingAttribute
{
    /// <summary>Gets or sets a value indicating whether the setting may be left unset (<see langword="null"/>).</summary>
    public bool Optional { get; set; }

    /// <inheritdoc />
    protected override (string Shown, string Allowed)? Refused(object? value) =>
        (value is null && Optional) || (value is string label && KubernetesNames.IsDnsSubdomain(label) && !label.Contains('.', StringComparison.Ordinal))
            ? null
            : ($"'{value}'", allowed);
}

/// <summary>A name that must be at most so many characters long.</summary>
/// <param name="maximum">The greatest allowed number of characters.</param>
internal sealed class MaxLengthSettingAttribute(int maximum) : AdmissionSettingAttribute
{
    /// <inheritdoc />
    protected override (string Shown, string Allowed)? Refused(object? value) =>
        value is string { Length: var length } && length > maximum
            ? (string.Create(CultureInfo.InvariantCulture, $"{length} characters long"), string.Create(CultureInfo.InvariantCulture, $"at most {maximum} characters"))
            : null;
}

/// <summary>
/// The webhook's <c>clientConfig.url</c>: what the API server accepts there, with a host the serving certificate can name.
/// </summary>
internal sealed class WebhookUrlAttribute : AdmissionSettingAttribute
{
    /// <inheritdoc />
    protected override (string Shown, string Allowed)? Refused(object? value) =>
        value is Uri url && Problem(url) is { } problem
            ? ($"'{Redacted(url)}' ({problem})", "an absolute https URL without user information, query or fragment (the webhook's clientConfig.url), for example https://127.0.0.1:8443/validate-box-com-v1-pki")
            : null;

    /// <summary>Why the API server would refuse <paramref name="url"/> as a <c>clientConfig.url</c>, or the certificate could not name its host.</summary>
    private static string? Problem(Uri url)
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
}
