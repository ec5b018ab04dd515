using k8s.Models;

namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>Schemas of KubernetesClient models whose rules their C# classes do not carry.</summary>
internal static class WellKnown
{
    /// <summary>
    /// A status condition (<c>metav1.Condition</c>): <c>type</c> and <c>status</c> required, so that a list of them can
    /// be a map keyed by type; the other fields optional, as the condition writers of this library fill them.
    /// </summary>
    public static V1JSONSchemaProps Condition() => new()
    {
        Type = "object",
        Description = "One aspect of the resource's current state.",
        Required = ["type", "status"],
        Properties = new SortedDictionary<string, V1JSONSchemaProps>(StringComparer.Ordinal)
        {
            ["lastTransitionTime"] = new() { Type = "string", Format = "date-time", Description = "When the condition last changed from one status to another." },
            ["message"] = new() { Type = "string", Description = "A human readable message about the transition." },
            ["observedGeneration"] = new() { Type = "integer", Format = "int64", Description = "The metadata.generation the condition was set for." },
            ["reason"] = new() { Type = "string", Description = "A programmatic identifier (UpperCamelCase) of the condition's last transition." },
            ["status"] = new() { Type = "string", EnumProperty = ["True", "False", "Unknown"], Description = "The status of the condition: True, False or Unknown." },
            ["type"] = new() { Type = "string", Description = "The type of the condition, in UpperCamelCase (for example Ready)." },
        },
    };
}
