using Box.K8sEventReporting.Validation;
using Microsoft.Extensions.Options;

namespace ControlPlane;

/// <summary>A Pki is valid when its <c>spec.serviceName</c> is one of the allowed names.</summary>
/// <remarks>
/// The API server already refuses a serviceName that is missing or not a DNS label (the CRD generated from
/// <see cref="PkiSpec"/>); the allowed names depend on the control plane's configuration, so they are checked here, and
/// by the admission webhook with this validator. A Pki without a spec still reaches it.
/// </remarks>
public sealed class ServiceNameValidator(IOptionsMonitor<AllowedNamesOptions> options) : IValidator<Pki>
{
    public ValueTask<ValidationResult> ValidateAsync(Pki resource, CancellationToken cancellationToken = default)
    {
        var allowed = options.CurrentValue.Names;
        var serviceName = resource.Spec?.ServiceName;
        var name = resource.Metadata.Name;
        var allowedList = $"[{string.Join(' ', allowed)}]";

        if (string.IsNullOrEmpty(serviceName))
        {
            var what = resource.Spec is null ? "has no spec" : "has no spec.serviceName";
            return ValueTask.FromResult(ValidationResult.Fail(new ValidationFailure(
                "spec.serviceName",
                "MissingServiceName",
                $"pki: {name} {what}; set spec.serviceName to one of allowedNames: {allowedList}")));
        }

        if (!allowed.Contains(serviceName, StringComparer.Ordinal))
        {
            // The original control plane's words, kept exactly.
            return ValueTask.FromResult(ValidationResult.Fail(new ValidationFailure(
                "spec.serviceName",
                "InvalidServiceName",
                $"ServiceName: {serviceName} in pki: {name} is not found in allowedNames: {allowedList}")));
        }

        return ValueTask.FromResult(ValidationResult.Success);
    }
}
