using Box.K8sEventReporting.Validation;

namespace Box.K8sEventReporting.Tests.Validation;

public class ValidationResultTests
{
    [Fact]
    public void Fail_WithNoFailures_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => ValidationResult.Fail());

        Assert.Contains("ValidationResult.Success", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Combine_ListsEveryFailure()
    {
        var a = ValidationResult.Fail(new ValidationFailure("spec.a", "InvalidA", "a"));
        var b = ValidationResult.Fail(new ValidationFailure("spec.b", "InvalidB", "b"));

        var combined = ValidationResult.Combine([a, ValidationResult.Success, b]);

        Assert.False(combined.IsValid);
        Assert.Equal(["spec.a", "spec.b"], combined.Failures.Select(f => f.FieldPath));
    }
}
