namespace Box.K8sEventReporting.Validation;

/// <summary>The outcome of validating a resource: valid, or a list of failures.</summary>
public sealed class ValidationResult
{
    private static readonly ValidationResult SuccessResult = new([]);

    private ValidationResult(IReadOnlyList<ValidationFailure> failures) => Failures = failures;

    /// <summary>Gets a result with no failures.</summary>
    public static ValidationResult Success => SuccessResult;

    /// <summary>Gets every failure found; empty when the resource is valid.</summary>
    public IReadOnlyList<ValidationFailure> Failures { get; }

    /// <summary>Gets a value indicating whether the resource is valid.</summary>
    public bool IsValid => Failures.Count == 0;

    /// <summary>Creates a failed result.</summary>
    /// <param name="failures">At least one failure.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException"><paramref name="failures"/> is empty.</exception>
    public static ValidationResult Fail(params ValidationFailure[] failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        return Fail((IEnumerable<ValidationFailure>)failures);
    }

    /// <summary>Creates a failed result.</summary>
    /// <param name="failures">At least one failure.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException"><paramref name="failures"/> is empty.</exception>
    public static ValidationResult Fail(IEnumerable<ValidationFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var list = failures.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("A failed validation result needs at least one failure; use ValidationResult.Success for a valid resource.", nameof(failures));
        }

        return new ValidationResult(list);
    }

    /// <summary>Combines several results into one that lists every failure.</summary>
    /// <param name="results">The results to combine.</param>
    /// <returns><see cref="Success"/> when none failed.</returns>
    public static ValidationResult Combine(IEnumerable<ValidationResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var failures = results.SelectMany(r => r.Failures).ToArray();
        return failures.Length == 0 ? Success : new ValidationResult(failures);
    }
}
