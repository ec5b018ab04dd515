using Box.K8sEventReporting.Primitives;

namespace Box.K8sEventReporting.Reporting;

/// <summary>The Kubernetes naming rules a setting can be held to.</summary>
internal enum KubernetesNameRule
{
    /// <summary>A label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.</summary>
    LabelValue,

    /// <summary>A lowercase DNS subdomain, as most object names are.</summary>
    DnsSubdomain,

    /// <summary>A qualified name: an optional DNS subdomain prefix and '/', then a name part.</summary>
    QualifiedName,

    /// <summary>An Event reason or a condition type: UpperCamelCase letters and digits.</summary>
    Reason,
}

/// <summary>A text setting that must follow one of Kubernetes' naming rules.</summary>
/// <param name="rule">The rule.</param>
/// <param name="requirement">What the message says is allowed, such as <c>must be a Secret name, a lowercase DNS subdomain</c>.</param>
internal sealed class KubernetesNameSettingAttribute(KubernetesNameRule rule, string requirement) : SettingAttribute
{
    /// <summary>Gets or sets a value indicating whether the setting may be left unset (<see langword="null"/>).</summary>
    public bool Optional { get; set; }

    /// <inheritdoc />
    protected override string? Broken(object? value, object options)
    {
        var text = value as string;
        if (text is null && Optional)
        {
            return null;
        }

        var valid = rule switch
        {
            KubernetesNameRule.LabelValue => text is not null && KubernetesNames.IsLabelValue(text),
            KubernetesNameRule.DnsSubdomain => KubernetesNames.IsDnsSubdomain(text),
            KubernetesNameRule.QualifiedName => KubernetesNames.IsQualifiedName(text),
            _ => KubernetesNames.IsValidReason(text),
        };
        return valid ? null : requirement;
    }
}
