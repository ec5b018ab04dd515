using System.Text.Json.Nodes;
using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Testing;

/// <summary>One status condition written through <see cref="FakeResourceConditionWriter"/>.</summary>
/// <param name="Kind">The resource's kind.</param>
/// <param name="Namespace">The resource's namespace, or an empty string for a cluster-scoped one.</param>
/// <param name="Name">The resource's name.</param>
/// <param name="Generation">The resource's <c>metadata.generation</c> (the condition's <c>observedGeneration</c>).</param>
/// <param name="Condition">The condition.</param>
public sealed record WrittenCondition(string Kind, string Namespace, string Name, long? Generation, ResourceCondition Condition)
{
    /// <summary>Gets the other status fields written in the same write (a reconciler's <c>ReconcileResult.WithStatus</c>); empty when none.</summary>
    public IReadOnlyDictionary<string, JsonNode?> StatusFields { get; init; } = new Dictionary<string, JsonNode?>();

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Kind} {Namespace}/{Name}: {Condition.Type}={Condition.Status} {Condition.Reason}: {Condition.Message}";
}
