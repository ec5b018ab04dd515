using Box.K8sEventReporting.Validation;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Adapts a function to <see cref="IValidator{T}"/>.</summary>
internal sealed class DelegateValidator<T>(Func<T, CancellationToken, ValueTask<ValidationResult>> validate) : IValidator<T>
{
    private readonly Func<T, CancellationToken, ValueTask<ValidationResult>> _validate =
        validate ?? throw new ArgumentNullException(nameof(validate));

    public ValueTask<ValidationResult> ValidateAsync(T resource, CancellationToken cancellationToken = default) =>
        _validate(resource, cancellationToken);
}
