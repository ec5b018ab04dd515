namespace Box.K8sEventReporting.Validation;

/// <summary>One thing wrong with a resource.</summary>
/// <param name="FieldPath">The JSON path of the offending field, as Kubernetes writes it (for example <c>spec.serviceName</c>).</param>
/// <param name="Reason">A short UpperCamelCase reason that tools can switch on (for example <c>InvalidServiceName</c>).</param>
/// <param name="Message">A human message that names the object, the problem and, where possible, the fix.</param>
public sealed record ValidationFailure(string FieldPath, string Reason, string Message);
