using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using k8s.Models;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Box.K8sEventReporting.Tests.Reporting;

public class ValidationProblemReporterTests
{
    private readonly RecordingRecorder recorder = new();
    private readonly IResourceConditionWriter conditions = Substitute.For<IResourceConditionWriter>();

    [Fact]
    public async Task ReportAsync_Invalid_ReportsOnConsumingPodsOnResourceAndInCondition()
    {
        var reporter = Create(Pods.Bare("app1", "team-a", Pods.SecretVolume("app1-pki")), Pods.Bare("bystander"));
        var pki = NewPki();
        var result = ValidationResult.Fail(
            new ValidationFailure("spec.serviceName", "InvalidServiceName", "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]"),
            new ValidationFailure("spec.other", "InvalidOther", "other"));

        await reporter.ReportAsync(pki, result);

        Assert.Equal(4, recorder.Records.Count);
        Assert.DoesNotContain(recorder.Records, r => r.Target.Name == "bystander");
        Assert.Contains(recorder.Records, r => r.Target is { Kind: "Pod", Name: "app1" } && r.Report.Reason == "InvalidServiceName");
        Assert.Contains(recorder.Records, r => r.Target is { Kind: "Pki", Name: "app1-pki", ApiVersion: "box.com/v1", Uid: "pki-uid" } && r.Report.Type == EventType.Warning);
        await conditions.Received(1).SetConditionAsync(pki, new ResourceCondition("Ready", ConditionStatus.False, "InvalidServiceName", "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]; other"), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task ReportAsync_BecomesValid_FlipsConditionAndEmitsOneNormalEvent()
    {
        var reporter = Create();
        var pki = NewPki();
        await reporter.ReportAsync(pki, ValidationResult.Fail(new ValidationFailure("spec.serviceName", "InvalidServiceName", "bad")));
        recorder.Records.Clear();

        await reporter.ReportAsync(pki, ValidationResult.Success);
        await reporter.ReportAsync(pki, ValidationResult.Success);

        var normal = Assert.Single(recorder.Records);
        Assert.Equal((EventType.Normal, "Valid", "Pki"), (normal.Report.Type, normal.Report.Reason, normal.Target.Kind));
        await conditions.Received(2).SetConditionAsync(pki, Arg.Is<ResourceCondition>(c => c.Status == ConditionStatus.True && c.Reason == "Valid"), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task ReportAsync_ValidFromTheStart_EmitsNoEvent()
    {
        var reporter = Create();

        await reporter.ReportAsync(NewPki(), ValidationResult.Success);

        Assert.Empty(recorder.Records);
    }

    [Fact]
    public async Task ReportAsync_ValidAfterRestartWithFalseCondition_EmitsNormalEvent()
    {
        var reporter = Create();
        var pki = NewPki();
        pki.Status = new PkiStatus { Conditions = [new V1Condition { Type = "Ready", Status = "False", Reason = "InvalidServiceName", Message = "bad", LastTransitionTime = DateTime.UtcNow }] };

        await reporter.ReportAsync(pki, ValidationResult.Success);

        Assert.Equal(EventType.Normal, Assert.Single(recorder.Records).Report.Type);
    }

    [Fact]
    public async Task ReportAsync_SameFailuresAgainWithinTheInterval_TellsThePodsAndNotTheResourceAgain()
    {
        // As a controller composes it: the Warning on the resource counts revalidations, not the triggers in between.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var interval = TimeSpan.FromMinutes(5);
        var reporter = new ValidationProblemReporter<Pki>(
            recorder,
            new SecretConsumerPodSelector<Pki>(new InMemoryCache<V1Pod>([Pods.Bare("app1", "team-a", Pods.SecretVolume("app1-pki"))]), p => p.Metadata.Name),
            new DirectStatusWriter<Pki>(conditions),
            new EventReporterOptions(),
            null,
            null,
            null,
            time,
            interval);
        var pki = NewPki();
        var invalid = ValidationResult.Fail(new ValidationFailure("spec.serviceName", "InvalidServiceName", "bad"));
        int OnPki() => recorder.Records.Count(r => r.Target.Kind == "Pki");
        int OnPod() => recorder.Records.Count(r => r.Target.Kind == "Pod");

        var toldResource = new List<bool>();   // what the reconciler logs at Information ("failed validation") or at Debug
        async Task Report(ValidationResult result) =>
            toldResource.Add(await reporter.ReportWithStatusAsync(pki, result, new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(), CancellationToken.None));

        await Report(invalid);
        time.Advance(TimeSpan.FromSeconds(1));
        await Report(invalid);   // a new pod's trigger
        var afterTrigger = (OnPki(), OnPod());
        time.Advance(interval);
        await Report(invalid);   // the revalidation
        var afterRevalidation = (OnPki(), OnPod());
        pki.Metadata.Generation = 2;
        await Report(ValidationResult.Fail(new ValidationFailure("spec.serviceName", "InvalidServiceName", "still bad")));

        Assert.Equal((1, 2), afterTrigger);
        Assert.Equal((2, 3), afterRevalidation);
        Assert.Equal((3, 4), (OnPki(), OnPod()));
        Assert.Equal([true, false, true, true], toldResource);
    }

    private static Pki NewPki() => new() { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = "team-a", Uid = "pki-uid", Generation = 1 } };

    private ValidationProblemReporter<Pki> Create(params V1Pod[] pods) => new(
        recorder,
        new SecretConsumerPodSelector<Pki>(new InMemoryCache<V1Pod>(pods), p => p.Metadata.Name),
        conditions,
        Options.Create(new EventReporterOptions()));

    private sealed class RecordingRecorder : IEventRecorder
    {
        public List<(V1ObjectReference Target, EventReport Report)> Records { get; } = [];

        public void Record(V1ObjectReference involvedObject, EventReport report) => Records.Add((involvedObject, report));
    }
}
