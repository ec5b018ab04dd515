using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Pure computation of a resource's new <c>status.conditions</c> list.</summary>
internal static class StatusConditions
{
    /// <summary>Reads <c>status.conditions</c> of any resource (an empty array when it has none).</summary>
    public static JsonArray Read<T>(T resource)
        where T : IKubernetesObject<V1ObjectMeta> =>
        ConditionsOf(ReadStatus(resource));

    /// <summary>Reads <c>status</c> of any resource (<see langword="null"/> when it has none).</summary>
    public static JsonObject? ReadStatus<T>(T resource)
        where T : IKubernetesObject<V1ObjectMeta> =>
        JsonNode.Parse(KubernetesJson.Serialize(resource))?["status"] as JsonObject;

    /// <summary>A copy of the <c>conditions</c> of <paramref name="status"/> (an empty array when it has none).</summary>
    public static JsonArray ConditionsOf(JsonObject? status) =>
        status?["conditions"] is JsonArray conditions ? (JsonArray)conditions.DeepClone() : [];

    /// <summary>Returns <see langword="true"/> when any of <paramref name="fields"/> differs from its value in <paramref name="status"/>.</summary>
    public static bool FieldsDiffer(JsonObject? status, IReadOnlyDictionary<string, JsonNode?> fields)
    {
        foreach (var (name, value) in fields)
        {
            if (!JsonNode.DeepEquals(status?[name], value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns the status string of the condition of <paramref name="type"/>, or <see langword="null"/>.</summary>
    public static string? StatusOf(JsonArray conditions, string type) =>
        Find(conditions, type)?["status"]?.GetValue<string>();

    /// <summary>
    /// Computes the full list with <paramref name="condition"/> set. <c>lastTransitionTime</c> changes only when the status flips.
    /// Returns <see langword="false"/> when the list would not change.
    /// </summary>
    public static bool TryApply(JsonArray conditions, ResourceCondition condition, long? generation, DateTimeOffset now)
    {
        var status = condition.Status.ToString();
        var message = EventMessage.Sanitize(condition.Message ?? string.Empty, EventMessage.MaxConditionMessageBytes);
        var existing = Find(conditions, condition.Type);
        var existingGeneration = existing?["observedGeneration"] is JsonValue g && g.TryGetValue<long>(out var gen) ? gen : (long?)null;
        if (existing is not null
            && Text(existing, "status") == status
            && Text(existing, "reason") == condition.Reason
            && Text(existing, "message") == message
            && existingGeneration == generation)
        {
            return false;
        }

        var transition = existing is not null && Text(existing, "status") == status && Text(existing, "lastTransitionTime") is { } kept
            ? kept
            : now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var updated = new JsonObject
        {
            ["type"] = condition.Type,
            ["status"] = status,
            ["observedGeneration"] = generation,
            ["lastTransitionTime"] = transition,
            ["reason"] = condition.Reason,
            ["message"] = message,
        };
        if (generation is null)
        {
            updated.Remove("observedGeneration");
        }

        if (existing is null)
        {
            conditions.Add(updated);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = updated;
        }

        return true;
    }

    private static JsonObject? Find(JsonArray conditions, string type) =>
        conditions.OfType<JsonObject>().FirstOrDefault(c => Text(c, "type") == type);

    private static string? Text(JsonObject node, string property) =>
        node[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
