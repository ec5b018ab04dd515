using System.Collections.Concurrent;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Tests.Controller;

/// <summary>Records what the controller reports, in order.</summary>
internal sealed class RecordingReconcileReporter : IReconcileReporter<Widget>
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public Func<Widget, Exception?>? FailInvalidReport { get; set; }

    public int CountOf(string prefix) => Calls.Count(c => c.StartsWith(prefix, StringComparison.Ordinal));

    public ValueTask ReportInvalidAsync(Widget resource, ValidationResult result, IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> status, CancellationToken cancellationToken)
    {
        if (FailInvalidReport?.Invoke(resource) is { } error)
        {
            throw error;
        }

        Calls.Enqueue($"invalid {resource.Metadata.Name} {result.Failures[0].Reason}");
        return ValueTask.CompletedTask;
    }

    public ValueTask ReportValidAsync(Widget resource, IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> status, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"valid {resource.Metadata.Name}");
        return ValueTask.CompletedTask;
    }

    public ValueTask ReportReconcileErrorAsync(Widget resource, Exception error, bool isTerminal, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"{(isTerminal ? "terminal" : "error")} {resource.Metadata.Name} {error.Message}");
        return ValueTask.CompletedTask;
    }

    public ValueTask ReportDecodeFailureAsync(ResourceDecodeFailure failure, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"decode {failure.Name}");
        return ValueTask.CompletedTask;
    }
}
