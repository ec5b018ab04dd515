namespace Box.K8sEventReporting.Validation;

/// <summary>Checks one declared resource and says, field by field, what is wrong with it.</summary>
/// <typeparam name="T">The resource type.</typeparam>
/// <remarks>
/// A resource failing validation is an expected outcome, returned as data; throw only for a fault of the validator itself.
/// Report every failure at once, so the application owner can fix them in one go.
/// </remarks>
public interface IValidator<in T>
{
    /// <summary>Validates <paramref name="resource"/>.</summary>
    /// <param name="resource">The resource as last seen on the API server.</param>
    /// <param name="cancellationToken">Stops the validation.</param>
    /// <returns><see cref="ValidationResult.Success"/>, or a result listing every failure.</returns>
    ValueTask<ValidationResult> ValidateAsync(T resource, CancellationToken cancellationToken = default);
}
