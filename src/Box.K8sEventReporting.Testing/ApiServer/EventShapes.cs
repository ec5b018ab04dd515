using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>core/v1 and events.k8s.io/v1 Events share one storage (core shape); this converts and validates them (transcripts 12, 13).</summary>
internal static partial class EventShapes
{
    private const string QualifiedNameMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    /// <summary>Rebuilds a core/v1 Event in the real server's field order with its defaults (<c>"eventTime":null</c> and so on).</summary>
    public static JsonObject NormalizeCore(JsonObject e)
    {
        var result = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "v1",
            ["metadata"] = Take(e, "metadata") ?? new JsonObject(),
            ["involvedObject"] = Take(e, "involvedObject") ?? new JsonObject(),
        };
        CopyIfPresent(e, result, "reason");
        CopyIfPresent(e, result, "message");
        result["source"] = Take(e, "source") ?? new JsonObject();
        result["firstTimestamp"] = Take(e, "firstTimestamp");
        result["lastTimestamp"] = Take(e, "lastTimestamp");
        CopyIfPresent(e, result, "count");
        CopyIfPresent(e, result, "type");
        result["eventTime"] = Take(e, "eventTime");
        CopyIfPresent(e, result, "series");
        CopyIfPresent(e, result, "action");
        CopyIfPresent(e, result, "related");
        result["reportingComponent"] = Take(e, "reportingComponent") ?? string.Empty;
        result["reportingInstance"] = Take(e, "reportingInstance") ?? string.Empty;
        return result;
    }

    public static JsonObject CoreToEventsV1(JsonObject core)
    {
        var e = (JsonObject)core.DeepClone();
        var result = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "events.k8s.io/v1",
            ["metadata"] = Take(e, "metadata") ?? new JsonObject(),
            ["eventTime"] = Take(e, "eventTime"),
        };
        CopyIfPresent(e, result, "series");
        if (Take(e, "reportingComponent") is JsonNode rc && rc.GetValue<string>().Length > 0)
        {
            result["reportingController"] = rc;
        }

        if (Take(e, "reportingInstance") is JsonNode ri && ri.GetValue<string>().Length > 0)
        {
            result["reportingInstance"] = ri;
        }

        CopyIfPresent(e, result, "action");
        CopyIfPresent(e, result, "reason");
        result["regarding"] = Take(e, "involvedObject");
        CopyIfPresent(e, result, "related");
        if (Take(e, "message") is JsonNode note)
        {
            result["note"] = note;
        }

        CopyIfPresent(e, result, "type");
        result["deprecatedSource"] = Take(e, "source") ?? new JsonObject();
        result["deprecatedFirstTimestamp"] = Take(e, "firstTimestamp");
        result["deprecatedLastTimestamp"] = Take(e, "lastTimestamp");
        if (Take(e, "count") is JsonNode count && count.GetValueKind() == System.Text.Json.JsonValueKind.Number && count.GetValue<long>() != 0)
        {
            result["deprecatedCount"] = count;
        }

        return result;
    }

    public static JsonObject EventsV1ToCore(JsonObject v1)
    {
        var e = (JsonObject)v1.DeepClone();
        var core = new JsonObject
        {
            ["metadata"] = Take(e, "metadata") ?? new JsonObject(),
            ["involvedObject"] = Take(e, "regarding") ?? new JsonObject(),
        };
        CopyIfPresent(e, core, "reason");
        if (Take(e, "note") is JsonNode note)
        {
            core["message"] = note;
        }

        core["source"] = Take(e, "deprecatedSource");
        core["firstTimestamp"] = Take(e, "deprecatedFirstTimestamp");
        core["lastTimestamp"] = Take(e, "deprecatedLastTimestamp");
        if (Take(e, "deprecatedCount") is JsonNode count)
        {
            core["count"] = count;
        }

        CopyIfPresent(e, core, "type");
        core["eventTime"] = Take(e, "eventTime");
        CopyIfPresent(e, core, "series");
        CopyIfPresent(e, core, "action");
        CopyIfPresent(e, core, "related");
        core["reportingComponent"] = Take(e, "reportingController");
        core["reportingInstance"] = Take(e, "reportingInstance");
        return NormalizeCore(core);
    }

    /// <summary>Validates a core-shaped Event the way the real server does for the API version it came through.</summary>
    public static List<FieldError> Validate(JsonObject e, string ns, bool viaEventsV1)
    {
        var errors = new List<FieldError>();
        var eventTimeSet = e["eventTime"] is JsonValue t && t.GetValueKind() == System.Text.Json.JsonValueKind.String;
        if (e["series"] is JsonObject series)
        {
            if (series["count"] is not JsonValue c || c.GetValueKind() != System.Text.Json.JsonValueKind.Number || c.GetValue<long>() < 2)
            {
                errors.Add(FieldError.Invalid("series.count", string.Empty, "should be at least 2"));
            }

            if (series["lastObservedTime"] is null)
            {
                errors.Add(FieldError.Required("series.lastObservedTime"));
            }
        }

        if (!viaEventsV1 && !eventTimeSet)
        {
            var involvedNs = e["involvedObject"]?["namespace"]?.GetValue<string>() ?? string.Empty;
            if (involvedNs.Length == 0 ? ns.Length > 0 && ns != "default" : involvedNs != ns)
            {
                errors.Add(FieldError.Invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
            }

            return errors;
        }

        if (viaEventsV1 && !eventTimeSet)
        {
            errors.Add(FieldError.Required("eventTime"));
        }

        var component = e["reportingComponent"]?.GetValue<string>() ?? string.Empty;
        if (component.Length == 0)
        {
            errors.Add(FieldError.Required("reportingComponent"));
            errors.Add(FieldError.Invalid("reportingComponent", string.Empty, "name part must be non-empty"));
            errors.Add(FieldError.Invalid("reportingComponent", string.Empty, QualifiedNameMessage));
        }
        else
        {
            var namePart = component.Contains('/', StringComparison.Ordinal) ? component[(component.LastIndexOf('/') + 1)..] : component;
            if (!QualifiedNamePart().IsMatch(namePart) || namePart.Length > 63)
            {
                errors.Add(FieldError.Invalid("reportingComponent", component, QualifiedNameMessage));
            }
        }

        if (string.IsNullOrEmpty(e["reportingInstance"]?.GetValue<string>()))
        {
            errors.Add(FieldError.Required("reportingInstance"));
        }

        if (string.IsNullOrEmpty(e["action"]?.GetValue<string>()))
        {
            errors.Add(FieldError.Required("action"));
        }

        if ((e["message"]?.GetValue<string>()?.Length ?? 0) > 1024)
        {
            errors.Add(FieldError.Invalid("message", string.Empty, "can have at most 1024 characters"));
        }

        return errors;
    }

    private static JsonNode? Take(JsonObject o, string name)
    {
        if (o.TryGetPropertyValue(name, out var v))
        {
            o.Remove(name);
            return v;
        }

        return null;
    }

    private static void CopyIfPresent(JsonObject from, JsonObject to, string name)
    {
        if (Take(from, name) is JsonNode v)
        {
            to[name] = v;
        }
    }

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNamePart();
}
