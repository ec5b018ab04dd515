using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.Tests.Controller;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Reporting;

public class DecodeFailureReporterTests
{
    private const string Raw = """{"apiVersion":"box.com/v1","kind":"Widget","metadata":{"name":"w1","namespace":"ns","uid":"uid-w1","resourceVersion":"42","generation":3},"spec":{"serviceName":7},"status":{"conditions":[{"type":"Other","status":"True","reason":"Fine","message":"kept","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}""";

    private readonly RecordingRecorder recorder = new();
    private readonly RecordingRawWriter writer = new();

    [Fact]
    public async Task ReportDecodeFailureAsync_RecordsOneWarningEventAndSetsReadyFalseWithTheSameEscapedMessage()
    {
        var reporter = Create(writer);

        await reporter.ReportAsync(Failure("Path: $.spec.serviceName\nWarning Fake"), CancellationToken.None);

        var (target, report) = Assert.Single(recorder.Records);
        Assert.Equal(("Widget", "box.com/v1", "ns", "w1", "uid-w1"), (target.Kind, target.ApiVersion, target.NamespaceProperty, target.Name, target.Uid));
        Assert.Equal((EventType.Warning, "DecodeFailed"), (report.Type, report.Reason));
        Assert.Contains("\\nWarning Fake", report.Message, StringComparison.Ordinal);
        var call = Assert.Single(writer.Calls);
        Assert.Equal((typeof(Widget), "ns", "w1", Raw), (call.Type, call.Namespace, call.Name, call.RawJson));
        Assert.Equal(new ResourceCondition("Ready", ConditionStatus.False, "DecodeFailed", report.Message), call.Condition);
    }

    [Fact]
    public async Task ReportDecodeFailureAsync_ConditionWriteFails_EventIsRecordedFirst()
    {
        writer.Fail = true;
        var reporter = Create(writer);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await reporter.ReportAsync(Failure("bad"), CancellationToken.None));

        Assert.Single(recorder.Records);
    }

    [Fact]
    public async Task RawConditionPath_PatchesStatusFromTheRawObject_KeepingOtherConditions()
    {
        using var handler = new CapturingHandler();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://localhost" }, handler);
        IRawResourceConditionWriter conditionWriter = new ResourceConditionWriter(client);

        var written = await conditionWriter.SetConditionAsync(typeof(Widget), "ns", "w1", Raw, new ResourceCondition("Ready", ConditionStatus.False, "DecodeFailed", "bad\u0007"), CancellationToken.None);

        Assert.True(written);
        Assert.Equal("PATCH", handler.Method);
        Assert.Equal("/apis/box.com/v1/namespaces/ns/widgets/w1/status", handler.Path);
        var body = JsonNode.Parse(handler.Body!)!;
        Assert.Equal("42", body["metadata"]!["resourceVersion"]!.GetValue<string>());
        var conditions = body["status"]!["conditions"]!.AsArray();
        Assert.Equal(["Other", "Ready"], conditions.Select(c => c!["type"]!.GetValue<string>()));
        var ready = conditions[1]!;
        Assert.Equal(("False", "DecodeFailed", "bad\\a", 3L), (ready["status"]!.GetValue<string>(), ready["reason"]!.GetValue<string>(), ready["message"]!.GetValue<string>(), ready["observedGeneration"]!.GetValue<long>()));
    }

    [Fact]
    public async Task RawConditionPath_RawJsonUnreadable_StartsEmptyWithoutPrecondition()
    {
        using var handler = new CapturingHandler();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://localhost" }, handler);
        IRawResourceConditionWriter conditionWriter = new ResourceConditionWriter(client);

        await conditionWriter.SetConditionAsync(typeof(Widget), "ns", "w1", """{"metadata":{"name":"w1","namesp""", new ResourceCondition("Ready", ConditionStatus.False, "DecodeFailed", "bad"), CancellationToken.None);

        var body = JsonNode.Parse(handler.Body!)!;
        Assert.Null(body["metadata"]);
        Assert.Equal("Ready", Assert.Single(body["status"]!["conditions"]!.AsArray())!["type"]!.GetValue<string>());
    }

    private static ResourceDecodeFailure Failure(string error) => new("ns", "w1", "uid-w1", "42", Raw, EventMessage.Escape(error));

    private DecodeFailureReporter Create(IRawResourceConditionWriter? conditionWriter) =>
        new(recorder, typeof(Widget), "Widget", "box.com/v1", conditionWriter, "Ready");

    private sealed class RecordingRecorder : IEventRecorder
    {
        public List<(V1ObjectReference Target, EventReport Report)> Records { get; } = [];

        public void Record(V1ObjectReference involvedObject, EventReport report) => Records.Add((involvedObject, report));
    }

    private sealed class RecordingRawWriter : IRawResourceConditionWriter
    {
        public List<(Type Type, string Namespace, string Name, string RawJson, ResourceCondition Condition)> Calls { get; } = [];

        public bool Fail { get; set; }

        public Task<bool> SetConditionAsync(Type resourceType, string @namespace, string name, string rawJson, ResourceCondition condition, CancellationToken cancellationToken)
        {
            Calls.Add((resourceType, @namespace, name, rawJson, condition));
            return Fail ? throw new InvalidOperationException("write failed") : Task.FromResult(true);
        }
    }

    /// <summary>Answers every request with 200 and the object, keeping the last request.</summary>
    private sealed class CapturingHandler : DelegatingHandler
    {
        public string? Method { get; private set; }

        public string? Path { get; private set; }

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Method = request.Method.Method;
            Path = request.RequestUri!.AbsolutePath;
            Body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent(Raw, Encoding.UTF8, "application/json") };
        }
    }
}
