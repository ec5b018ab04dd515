using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>A finished answer of the in-process API server: status code, JSON (or text) body and extra headers.</summary>
internal sealed class ApiResponse
{
    private static readonly byte[] NotFoundText = Encoding.UTF8.GetBytes("404 page not found\n");

    public ApiResponse(int statusCode, byte[] body, string contentType = "application/json")
    {
        StatusCode = statusCode;
        Body = body;
        ContentType = contentType;
    }

    public int StatusCode { get; }

    public byte[] Body { get; }

    public string ContentType { get; }

    public List<KeyValuePair<string, string>>? Headers { get; private set; }

    public ApiResponse WithHeader(string name, string value)
    {
        (Headers ??= []).Add(new KeyValuePair<string, string>(name, value));
        return this;
    }

    /// <summary>The plain-text 404 the real server gives for an unknown group, version or resource (transcript 09d).</summary>
    public static ApiResponse PageNotFound() => new(404, NotFoundText, "text/plain; charset=utf-8");

    public static ApiResponse Json(int statusCode, byte[] body) => new(statusCode, body);
}

/// <summary>A field-level validation error, rendered as a <c>StatusCause</c>.</summary>
internal readonly record struct FieldError(string Reason, string Field, string Message)
{
    public static FieldError Required(string field, string? detail = null) =>
        new("FieldValueRequired", field, detail is null ? "Required value" : "Required value: " + detail);

    public static FieldError Invalid(string field, string value, string detail) =>
        new("FieldValueInvalid", field, "Invalid value: " + JsonSerializer.Serialize(value, Json.Options) + ": " + detail);

    /// <summary>An invalid number (or count): the value is written as is, not quoted.</summary>
    public static FieldError InvalidNumber(string field, string number, string detail) =>
        new("FieldValueInvalid", field, "Invalid value: " + number + ": " + detail);

    public static FieldError TooLong(string field, int max) =>
        new("FieldValueTooLong", field, "Too long: may not be longer than " + max.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static FieldError TypeInvalid(string field, string actualType, string detail) =>
        new("FieldValueTypeInvalid", field, "Invalid value: " + JsonSerializer.Serialize(actualType, Json.Options) + ": " + detail);
}

/// <summary>Builds <c>Status</c> bodies the way the real API server words them (see the transcripts).</summary>
internal static class Statuses
{
    public static ApiResponse Build(int code, string? reason, string message, JsonObject? details = null, JsonObject? metadata = null, string status = "Failure")
    {
        var o = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = metadata ?? new JsonObject(),
            ["status"] = status,
        };
        if (message.Length > 0)
        {
            o["message"] = message;
        }

        if (reason is not null)
        {
            o["reason"] = reason;
        }

        if (details is not null)
        {
            o["details"] = details;
        }

        if (status != "Success")
        {
            o["code"] = code;
        }

        return ApiResponse.Json(code, Json.Serialize(o));
    }

    public static JsonObject Details(ApiResource? resource, string? name, string? kindOverride = null, string? groupOverride = null)
    {
        var d = new JsonObject();
        if (!string.IsNullOrEmpty(name))
        {
            d["name"] = name;
        }

        var group = groupOverride ?? resource?.Group;
        if (!string.IsNullOrEmpty(group))
        {
            d["group"] = group;
        }

        var kind = kindOverride ?? resource?.Plural;
        if (!string.IsNullOrEmpty(kind))
        {
            d["kind"] = kind;
        }

        return d;
    }

    public static ApiResponse NotFound(ApiResource resource, string name) =>
        Build(404, "NotFound", $"{resource.QualifiedResource} \"{name}\" not found", Details(resource, name));

    public static ApiResponse NamespaceNotFound(string ns) =>
        Build(404, "NotFound", $"namespaces \"{ns}\" not found", Details(null, ns, "namespaces"));

    /// <summary>What the NamespaceLifecycle admission plugin answers a create in a Terminating namespace.</summary>
    public static ApiResponse NamespaceTerminating(ApiResource resource, string name, string ns)
    {
        var details = Details(resource, name);
        details["causes"] = new JsonArray(new JsonObject
        {
            ["reason"] = "NamespaceTerminating",
            ["message"] = $"namespace {ns} is being terminated",
            ["field"] = "metadata.namespace",
        });
        return Build(403, "Forbidden", $"{resource.QualifiedResource} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", details);
    }

    public static ApiResponse AlreadyExists(ApiResource resource, string name) =>
        Build(409, "AlreadyExists", $"{resource.QualifiedResource} \"{name}\" already exists", Details(resource, name));

    public static ApiResponse Conflict(ApiResource resource, string name) =>
        Build(409, "Conflict", $"Operation cannot be fulfilled on {resource.QualifiedResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", Details(resource, name));

    public static ApiResponse Conflict(ApiResource resource, string name, string detail) =>
        Build(409, "Conflict", $"Operation cannot be fulfilled on {resource.QualifiedResource} \"{name}\": {detail}", Details(resource, name));

    /// <summary>409 for a delete whose preconditions do not hold: it names the kind, not the resource (transcripts 30e, 30f).</summary>
    public static ApiResponse PreconditionFailed(ApiResource resource, string name, string detail) =>
        Build(409, "Conflict", $"Operation cannot be fulfilled on {resource.QualifiedKind} \"{name}\": {detail}", Details(resource, name, resource.Kind));

    public static ApiResponse BadRequest(string message) => Build(400, "BadRequest", message);

    public static ApiResponse MethodNotAllowed(string message) => Build(405, "MethodNotAllowed", message);

    public static ApiResponse UnsupportedMediaType(string message) => Build(415, "UnsupportedMediaType", message);

    public static ApiResponse NotImplemented(string message) => Build(501, "NotImplemented", message);

    public static ApiResponse InternalError(string message) => Build(500, null, message);

    public static ApiResponse Expired(string message, string? newContinue = null)
    {
        JsonObject? meta = newContinue is null ? null : new JsonObject { ["continue"] = newContinue };
        return Build(410, "Expired", message, metadata: meta);
    }

    /// <summary>A 422 Invalid. <paramref name="qualifiedKind"/> is what the message names (<c>Pki.box.com</c>, <c>Event</c>, <c>pkis.box.com</c>).</summary>
    public static ApiResponse Invalid(string qualifiedKind, string? group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        var parts = new List<string>(errors.Count);
        foreach (var e in errors)
        {
            causes.Add(new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message, ["field"] = e.Field });
            parts.Add(e.Field + ": " + e.Message);
        }

        var summary = parts.Count == 1 ? parts[0] : "[" + string.Join(", ", parts) + "]";
        var details = Details(null, name, kind, group);
        details["causes"] = causes;
        return Build(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {summary}", details);
    }

    /// <summary>422 for a resource (not kind) named error, like a missing resourceVersion on update (transcript 07d).</summary>
    public static ApiResponse InvalidForResource(ApiResource resource, string name, IReadOnlyList<FieldError> errors) =>
        Invalid(resource.QualifiedResource, resource.Group.Length == 0 ? null : resource.Group, resource.Plural, name, errors);

    public static ApiResponse InvalidForKind(ApiResource resource, string name, IReadOnlyList<FieldError> errors) =>
        Invalid(resource.QualifiedKind, resource.Group.Length == 0 ? null : resource.Group, resource.Kind, name, errors);

    public static ApiResponse Success(ApiResource resource, string name, string? uid)
    {
        var d = Details(resource, name);
        if (uid is not null)
        {
            d["uid"] = uid;
        }

        return Build(200, null, string.Empty, d, status: "Success");
    }

    public static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };
}

/// <summary>Shared JSON settings: compact, no HTML escaping (the wire format the client reads).</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static byte[] Serialize(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer, Options);
        }

        return buffer.ToArray();
    }

    public static JsonElement ToElement(byte[] utf8) => JsonSerializer.Deserialize<JsonElement>(utf8, Options);

    public static JsonObject ToNode(byte[] utf8) => JsonNode.Parse(utf8)!.AsObject();
}
