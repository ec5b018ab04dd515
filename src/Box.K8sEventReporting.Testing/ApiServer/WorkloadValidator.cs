using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// The apps/v1 rule every workload controller depends on: a Deployment's or ReplicaSet's selector is required, not empty,
/// and selects its own pod template (transcript 21c), or the real server answers 422 and stores nothing.
/// </summary>
internal static class WorkloadValidator
{
    public static List<FieldError> Validate(ApiResource resource, JsonObject obj)
    {
        if (resource.Group != "apps" || resource.Plural is not ("deployments" or "replicasets"))
        {
            return [];
        }

        var spec = obj["spec"] as JsonObject;
        if (spec?["selector"] is not JsonObject selector)
        {
            return [FieldError.Required("spec.selector")];
        }

        var parsed = LabelSelector.FromObject(selector);
        if (ReferenceEquals(parsed, LabelSelector.Everything))
        {
            return [new FieldError("FieldValueInvalid", "spec.selector", "Invalid value: " + GoSelector(selector) + ": empty selector is invalid for deployment")];
        }

        var labels = spec["template"]?["metadata"]?["labels"] as JsonObject;
        var template = JsonSerializer.SerializeToElement(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = labels?.DeepClone() } });
        return parsed.Matches(template)
            ? []
            : [new FieldError("FieldValueInvalid", "spec.template.metadata.labels", "Invalid value: " + GoMap(labels) + ": `selector` does not match template `labels`")];
    }

    /// <summary>Go's <c>%#v</c> of a <c>map[string]string</c>, which the real server's message shows.</summary>
    private static string GoMap(JsonObject? map)
    {
        if (map is null)
        {
            return "map[string]string(nil)";
        }

        var text = new StringBuilder("map[string]string{");
        var first = true;
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(first ? string.Empty : ", ").Append(JsonSerializer.Serialize(key)).Append(':').Append(JsonSerializer.Serialize(value?.ToString() ?? string.Empty));
            first = false;
        }

        return text.Append('}').ToString();
    }

    private static string GoSelector(JsonObject selector) =>
        "v1.LabelSelector{MatchLabels:" + GoMap(selector["matchLabels"] as JsonObject) + ", MatchExpressions:[]v1.LabelSelectorRequirement(nil)}";
}
