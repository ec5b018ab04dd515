using Box.K8sEventReporting.Validation;

namespace Box.K8sEventReporting.Tests.Validation;

public class ValidationFailureTests
{
    [Theory]
    [InlineData("invalid-service-name")]
    [InlineData("invalidServiceName")]
    [InlineData("Invalid Service Name")]
    [InlineData("")]
    public void Constructor_ReasonNotUpperCamelCase_ThrowsSayingWhatIsAllowed(string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ValidationFailure("spec.serviceName", reason, "m"));

        Assert.Equal("Reason", ex.ParamName);
        Assert.Contains("UpperCamelCase ASCII letters and digits", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"(was '{reason}')", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_ReasonNotUpperCamelCase_Throws()
    {
        var failure = new ValidationFailure("spec.serviceName", "InvalidServiceName", "m");

        Assert.Throws<ArgumentException>(() => failure with { Reason = "invalid_name" });
    }

    [Fact]
    public void Constructor_ValidReason_KeepsEveryValue()
    {
        var failure = new ValidationFailure("spec.serviceName", "InvalidServiceName", "m");

        Assert.Equal(("spec.serviceName", "InvalidServiceName", "m"), (failure.FieldPath, failure.Reason, failure.Message));
    }
}
