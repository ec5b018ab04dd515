using System.Text.Json;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>What a create or update asks admission to approve (k8s.io/apiserver's admission.Attributes).</summary>
/// <param name="Resource">The resource the request was made to.</param>
/// <param name="Subresource">The subresource (<c>status</c>) or empty.</param>
/// <param name="Operation"><c>CREATE</c> or <c>UPDATE</c>.</param>
/// <param name="Name">The name (empty for a create with generateName).</param>
/// <param name="Namespace">The namespace (for a namespace object: its own name on update).</param>
/// <param name="User">Who asks.</param>
/// <param name="Object">The object as it would be stored.</param>
/// <param name="OldObject">The stored object an update replaces.</param>
/// <param name="DryRun">Whether the request is a dry run.</param>
/// <param name="Options">The CreateOptions or UpdateOptions of the request.</param>
internal sealed record AdmissionAttributes(
    ApiResource Resource, string Subresource, string Operation, string Name, string Namespace, UserInfo User,
    JsonElement Object, JsonElement? OldObject, bool DryRun, JsonObject Options);

/// <summary>A webhook's verified answer.</summary>
internal sealed record AdmissionVerdict(bool Allowed, JsonObject? Result, IReadOnlyList<string> Warnings);

/// <summary>
/// AdmissionReview requests and responses as k8s.io/apiserver's webhook request package builds and verifies them,
/// and the Status errors its dispatcher answers with (webhook/errors ToStatusErr, apierrors.NewInternalError).
/// </summary>
internal static class AdmissionReviews
{
    /// <summary>The AdmissionReview sent to a webhook invoked for <paramref name="invoked"/> (the request's resource or an equivalent one).</summary>
    public static JsonObject Request(string uid, string reviewVersion, AdmissionAttributes a, ApiResource invoked)
    {
        var user = new JsonObject { ["username"] = a.User.Name };
        if (a.User.Groups.Count > 0)
        {
            user["groups"] = new JsonArray(a.User.Groups.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray());
        }

        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = Kind(invoked),
            ["resource"] = Resource(invoked),
        };
        if (a.Subresource.Length > 0)
        {
            request["subResource"] = a.Subresource;
        }

        request["requestKind"] = Kind(a.Resource);
        request["requestResource"] = Resource(a.Resource);
        if (a.Subresource.Length > 0)
        {
            request["requestSubResource"] = a.Subresource;
        }

        if (a.Name.Length > 0)
        {
            request["name"] = a.Name;
        }

        if (a.Namespace.Length > 0)
        {
            request["namespace"] = a.Namespace;
        }

        request["operation"] = a.Operation;
        request["userInfo"] = user;
        request["object"] = Convert(a.Object, a.Resource, invoked);
        request["oldObject"] = a.OldObject is { } old ? Convert(old, a.Resource, invoked) : null;
        request["dryRun"] = a.DryRun;
        request["options"] = a.Options.DeepClone();
        return new JsonObject
        {
            ["kind"] = "AdmissionReview",
            ["apiVersion"] = "admission.k8s.io/" + reviewVersion,
            ["request"] = request,
        };
    }

    /// <summary>Verifies a webhook's answer as VerifyAdmissionResponse does; the error is worded like the real one.</summary>
    public static (AdmissionVerdict? Verdict, string? Error) Verify(string uid, string reviewVersion, byte[] body)
    {
        JsonObject? review;
        try
        {
            review = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException ex)
        {
            return (null, "failed to call webhook: " + ex.Message);
        }

        if (review is null)
        {
            return (null, "failed to call webhook: the response is not a JSON object");
        }

        if (review["response"] is not JsonObject response)
        {
            return (null, "received invalid webhook response: webhook response was absent");
        }

        var gotUid = ObjectMutations.GetString(response, "uid") ?? string.Empty;
        if (gotUid != uid)
        {
            return (null, $"received invalid webhook response: expected response.uid=\"{uid}\", got \"{gotUid}\"");
        }

        var apiVersion = ObjectMutations.GetString(review, "apiVersion") ?? string.Empty;
        var kind = ObjectMutations.GetString(review, "kind") ?? string.Empty;
        if (apiVersion != "admission.k8s.io/" + reviewVersion || kind != "AdmissionReview")
        {
            var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            var got = slash < 0 ? $"/{apiVersion}, Kind={kind}" : $"{apiVersion}, Kind={kind}";
            return (null, $"received invalid webhook response: expected webhook response of admission.k8s.io/{reviewVersion}, Kind=AdmissionReview, got {got}");
        }

        var allowed = response["allowed"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        var warnings = (response["warnings"] as JsonArray ?? []).Select(w => w?.ToString() ?? string.Empty).ToArray();
        return (new AdmissionVerdict(allowed, response["status"] as JsonObject, warnings), null);
    }

    /// <summary>The denial the client gets: the webhook's Status, code at least 400, message prefixed with who denied it, details kept.</summary>
    public static ApiResponse Denied(string webhookName, JsonObject? result)
    {
        var deniedBy = $"admission webhook \"{webhookName}\" denied the request";
        var code = result?["code"] is JsonValue c && c.TryGetValue<int>(out var n) ? n : 0;
        code = code < 400 ? 400 : code;
        var message = ObjectMutations.GetString(result, "message");
        var reason = ObjectMutations.GetString(result, "reason");
        message = !string.IsNullOrEmpty(message) ? $"{deniedBy}: {message}"
            : !string.IsNullOrEmpty(reason) ? $"{deniedBy}: {reason}"
            : deniedBy + " without explanation";
        return Statuses.Build(code, string.IsNullOrEmpty(reason) ? null : reason, message, result?["details"]?.DeepClone() as JsonObject, result?["metadata"]?.DeepClone() as JsonObject);
    }

    /// <summary>A failed call under <c>failurePolicy: Fail</c>: 500 InternalError, as apierrors.NewInternalError words it.</summary>
    public static ApiResponse CallFailed(string webhookName, string reason)
    {
        var error = $"failed calling webhook \"{webhookName}\": {reason}";
        return Statuses.Build(500, "InternalError", "Internal error occurred: " + error, new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = error }) });
    }

    private static JsonObject Kind(ApiResource r) => new() { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind };

    private static JsonObject Resource(ApiResource r) => new() { ["group"] = r.Group, ["version"] = r.Version, ["resource"] = r.Plural };

    /// <summary>The object in the invoked version: events converted between core/v1 and events.k8s.io/v1; other versions of a custom resource only change apiVersion (conversion None).</summary>
    private static JsonObject Convert(JsonElement obj, ApiResource from, ApiResource to)
    {
        var node = JsonNode.Parse(obj.GetRawText())!.AsObject();
        if (from == to)
        {
            return node;
        }

        if (to.Flavor == ResourceFlavor.EventsV1Event && from.Flavor != ResourceFlavor.EventsV1Event)
        {
            return EventShapes.CoreToEventsV1(node);
        }

        if (from.Flavor == ResourceFlavor.EventsV1Event && to.Flavor != ResourceFlavor.EventsV1Event)
        {
            node = EventShapes.EventsV1ToCore(node);
        }

        node["apiVersion"] = to.GroupVersion;
        return node;
    }
}
