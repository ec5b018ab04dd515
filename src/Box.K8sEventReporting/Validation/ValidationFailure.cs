using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Validation;

/// <summary>One thing wrong with a resource.</summary>
/// <param name="FieldPath">The JSON path of the offending field, as Kubernetes writes it (for example <c>spec.serviceName</c>).</param>
/// <param name="Reason">
/// A short UpperCamelCase reason that tools can switch on (for example <c>InvalidServiceName</c>): ASCII letters and digits,
/// a capital letter first, at most 128 characters. It becomes the Events' reason, so any other value is refused here.
/// </param>
/// <param name="Message">A human message that names the object, the problem and, where possible, the fix.</param>
/// <exception cref="ArgumentException"><paramref name="Reason"/> is not UpperCamelCase letters and digits of 1-128 characters.</exception>
public sealed record ValidationFailure(string FieldPath, string Reason, string Message)
{
    /// <summary>Gets the UpperCamelCase reason, checked when the failure is created.</summary>
    /// <exception cref="ArgumentException">The value is not UpperCamelCase letters and digits of 1-128 characters.</exception>
    public string Reason { get; init => field = KubernetesNames.RequireValidReason(value, nameof(Reason)); } = KubernetesNames.RequireValidReason(Reason, nameof(Reason));
}
