using System.Collections.Concurrent;
using Box.K8sEventReporting.Validation;

namespace Box.K8sEventReporting.Testing;

/// <summary>An <see cref="IValidator{T}"/> made from a function, that remembers what it validated.</summary>
/// <typeparam name="T">The validated type.</typeparam>
/// <param name="validate">Decides the result for a resource.</param>
public sealed class FakeValidator<T>(Func<T, ValidationResult> validate) : IValidator<T>
{
    private readonly ConcurrentQueue<T> _validated = new();

    /// <summary>Gets every resource validated so far, in order.</summary>
    public IReadOnlyCollection<T> Validated => _validated.ToArray();

    /// <inheritdoc/>
    public ValueTask<ValidationResult> ValidateAsync(T resource, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _validated.Enqueue(resource);
        return ValueTask.FromResult(validate(resource));
    }
}

/// <summary>Ready-made <see cref="FakeValidator{T}"/>s.</summary>
public static class FakeValidator
{
    /// <summary>Creates a validator that fails every resource with one failure.</summary>
    /// <typeparam name="T">The validated type.</typeparam>
    /// <param name="fieldPath">The failing field.</param>
    /// <param name="reason">The UpperCamelCase reason.</param>
    /// <param name="message">The message.</param>
    /// <returns>The validator.</returns>
    public static FakeValidator<T> AlwaysFails<T>(string fieldPath, string reason, string message) =>
        new FakeValidator<T>(_ => ValidationResult.Fail(new ValidationFailure(fieldPath, reason, message)));

    /// <summary>Creates a validator that accepts every resource.</summary>
    /// <typeparam name="T">The validated type.</typeparam>
    /// <returns>The validator.</returns>
    public static FakeValidator<T> AlwaysValid<T>() => new FakeValidator<T>(_ => ValidationResult.Success);
}
