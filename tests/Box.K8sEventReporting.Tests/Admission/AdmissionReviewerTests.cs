using System.Text;
using System.Text.Json;
using Box.K8sEventReporting.Admission;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Validation;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Admission;

public sealed class AdmissionReviewerTests
{
    private const string Typo = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]";

    private static readonly IValidator<TestPki> ServiceName = new FakeValidator<TestPki>(p => p.Spec?.ServiceName is "app1" or "app2"
        ? ValidationResult.Success
        : ValidationResult.Fail(new ValidationFailure("spec.serviceName", "InvalidServiceName", $"ServiceName: {p.Spec?.ServiceName} in pki: {p.Metadata.Name} is not found in allowedNames: [app1 app2]")));

    [Fact]
    public async Task Warn_AllowsTheObject_WithEachFailureAsAWarning()
    {
        var answer = await Reviewer(AdmissionMode.Warn, ServiceName).ReviewAsync(Request("appp1"), CancellationToken.None);

        Assert.True(answer.Allowed);
        Assert.Equal("uid-1", answer.Uid);
        Assert.Equal([Typo], answer.Warnings);
        Assert.Null(answer.Status);
    }

    [Fact]
    public async Task Warn_ValidObject_IsAllowedWithoutWarnings()
    {
        var answer = await Reviewer(AdmissionMode.Warn, ServiceName).ReviewAsync(Request("app1"), CancellationToken.None);

        Assert.True(answer.Allowed);
        Assert.Empty(answer.Warnings);
    }

    [Fact]
    public async Task Deny_RefusesWith422Invalid_AndOneCausePerFailure()
    {
        var second = new FakeValidator<TestPki>(_ => ValidationResult.Fail(new ValidationFailure("spec.replicas", "TooManyReplicas", "at most 3 replicas")));

        var answer = await Reviewer(AdmissionMode.Deny, ServiceName, second).ReviewAsync(Request("appp1"), CancellationToken.None);

        Assert.False(answer.Allowed);
        var status = Assert.IsType<V1Status>(answer.Status);
        Assert.Equal((422, "Invalid", "Failure"), (status.Code, status.Reason, status.Status));
        Assert.Equal($"Pki.box.com \"app1-pki\" is invalid: spec.serviceName: {Typo}; spec.replicas: at most 3 replicas", status.Message);
        Assert.Equal(("app1-pki", "box.com", "Pki"), (status.Details.Name, status.Details.Group, status.Details.Kind));
        Assert.Equal(
            [("spec.serviceName", "InvalidServiceName", Typo), ("spec.replicas", "TooManyReplicas", "at most 3 replicas")],
            status.Details.Causes.Select(c => (c.Field, c.Reason, c.Message)));
    }

    [Fact]
    public async Task ValidatorThatThrows_IsSkipped_AllowedWithAWarningSayingSo()
    {
        var throwing = new FakeValidator<TestPki>(_ => throw new InvalidOperationException("the cache is not synced"));

        var answer = await Reviewer(AdmissionMode.Deny, throwing).ReviewAsync(Request("appp1"), CancellationToken.None);

        Assert.True(answer.Allowed);
        var warning = Assert.Single(answer.Warnings);
        Assert.Contains("skipped at admission: it failed (InvalidOperationException)", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("not synced", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidatorPastTheTimeout_IsAbandoned_AllowedWithAWarning_EvenIfItIgnoresItsToken()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var never = new TaskCompletionSource<ValidationResult>();
        var hanging = new IgnoresItsToken(never.Task);
        var reviewer = Reviewer(AdmissionMode.Deny, time, hanging, ServiceName);

        var review = reviewer.ReviewAsync(Request("app1"), CancellationToken.None);
        Assert.False(review.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        var answer = await review.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(answer.Allowed);
        var warning = Assert.Single(answer.Warnings);
        Assert.Contains("skipped at admission: no answer within 2s", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongOrHostileMessages_BecomeOneLineWarningsOfAtMost120Characters()
    {
        var hostile = new FakeValidator<TestPki>(_ => ValidationResult.Fail(new ValidationFailure("spec", "Bad", "line one\nWarning: forged " + new string('x', 500) + " end")));

        var answer = await Reviewer(AdmissionMode.Warn, hostile).ReviewAsync(Request("app1"), CancellationToken.None);

        var warning = Assert.Single(answer.Warnings);
        Assert.True(warning.Length <= 120, warning);
        Assert.StartsWith("line one\\nWarning: forged", warning, StringComparison.Ordinal);
        Assert.EndsWith(" end", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DELETE")]
    [InlineData("CONNECT")]
    public async Task OtherOperations_AreAllowedWithoutValidation(string operation)
    {
        var answer = await Reviewer(AdmissionMode.Deny, ServiceName).ReviewAsync(Request("appp1") with { Operation = operation }, CancellationToken.None);

        Assert.True(answer.Allowed);
        Assert.Empty(answer.Warnings);
    }

    [Fact]
    public async Task ObjectThatDoesNotDecode_IsAllowed_WithAWarningThatItWasNotChecked()
    {
        var request = Request("appp1") with { Object = """{"apiVersion":"box.com/v1","kind":"Pki","metadata":{"name":"app1-pki"},"spec":{"replicas":"three"}}""" };

        var answer = await Reviewer(AdmissionMode.Deny, ServiceName).ReviewAsync(request, CancellationToken.None);

        Assert.True(answer.Allowed);
        Assert.Contains("not checked at admission", Assert.Single(answer.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Path_IsKubebuildersConvention() =>
        Assert.Equal("/validate-box-com-v1-pki", Reviewer(AdmissionMode.Warn).Path);

    [Fact]
    public void Json_RoundTrip_ParsesTheRequest_AndWritesAnAdmissionReviewResponse()
    {
        var body = $$$"""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-7","kind":{"group":"box.com","version":"v1","kind":"Pki"},"operation":"CREATE","name":"app1-pki","namespace":"app1","object":{{{Request("appp1").Object}}},"dryRun":true}}""";

        var request = AdmissionReviewJson.Parse(Encoding.UTF8.GetBytes(body));
        var json = AdmissionReviewJson.Write(new AdmissionAnswer(request.Uid, false, ["w"], new V1Status { Code = 422, Details = new V1StatusDetails { Causes = [new V1StatusCause { Field = "spec.serviceName" }] } }));

        Assert.Equal(("u-7", "Pki", "CREATE", "app1-pki", "app1"), (request.Uid, request.Kind, request.Operation, request.Name, request.Namespace));
        using var answer = JsonDocument.Parse(json);
        var response = answer.RootElement.GetProperty("response");
        Assert.Equal("admission.k8s.io/v1", answer.RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("AdmissionReview", answer.RootElement.GetProperty("kind").GetString());
        Assert.Equal("u-7", response.GetProperty("uid").GetString());
        Assert.False(response.GetProperty("allowed").GetBoolean());
        Assert.Equal("w", response.GetProperty("warnings")[0].GetString());
        Assert.Equal(422, response.GetProperty("status").GetProperty("code").GetInt32());
        Assert.Equal("spec.serviceName", response.GetProperty("status").GetProperty("details").GetProperty("causes")[0].GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u"}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}""")]
    public void Json_NotAnAdmissionReviewV1WithAUid_IsAFormatException(string body) =>
        Assert.Throws<FormatException>(() => AdmissionReviewJson.Parse(Encoding.UTF8.GetBytes(body)));

    private static AdmissionReviewer<TestPki> Reviewer(AdmissionMode mode, params IValidator<TestPki>[] validators) =>
        Reviewer(mode, TimeProvider.System, validators);

    private static AdmissionReviewer<TestPki> Reviewer(AdmissionMode mode, TimeProvider time, params IValidator<TestPki>[] validators) =>
        new(validators, new AdmissionWebhookOptions { Mode = mode }, time, NullLogger.Instance);

    private static AdmissionRequest Request(string serviceName) =>
        new("uid-1", "Pki", "CREATE", "app1-pki", "app1", KubernetesJson.Serialize(TestPki.Create("app1", "app1-pki", "1", serviceName)));

    private sealed class IgnoresItsToken(Task<ValidationResult> answer) : IValidator<TestPki>
    {
        public ValueTask<ValidationResult> ValidateAsync(TestPki resource, CancellationToken cancellationToken = default) => new(answer);
    }
}
