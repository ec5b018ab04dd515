using System.Text.Json;
using k8s.Models;

namespace Box.K8sEventReporting.Admission;

/// <summary>One <c>admission.k8s.io/v1</c> request: what the reviewer needs of it.</summary>
/// <param name="Uid">The request's uid, echoed in the answer.</param>
/// <param name="Kind">The object's kind (<c>request.kind.kind</c>).</param>
/// <param name="Operation">CREATE, UPDATE, DELETE or CONNECT.</param>
/// <param name="Name">The object's name; empty for a create with <c>generateName</c>.</param>
/// <param name="Namespace">The object's namespace; empty when cluster-scoped.</param>
/// <param name="Object">The object's JSON (<c>request.object</c>); <see langword="null"/> for DELETE and CONNECT.</param>
internal sealed record AdmissionRequest(string Uid, string Kind, string Operation, string Name, string Namespace, string? Object);

/// <summary>The answer to one request.</summary>
/// <param name="Uid">The request's uid.</param>
/// <param name="Allowed">Whether the object may be stored.</param>
/// <param name="Warnings">Admission warnings (<c>kubectl</c> prints each as <c>Warning: …</c>), each at most 120 characters.</param>
/// <param name="Status">Why it is denied; <see langword="null"/> when allowed.</param>
internal sealed record AdmissionAnswer(string Uid, bool Allowed, IReadOnlyList<string> Warnings, V1Status? Status);

/// <summary>Reads an <c>AdmissionReview</c> request and writes its answer, as <c>admission.k8s.io/v1</c> defines them.</summary>
internal static class AdmissionReviewJson
{
    public const string ApiVersion = "admission.k8s.io/v1";

    /// <summary>Reads the request of an AdmissionReview.</summary>
    /// <exception cref="FormatException">Not an <c>admission.k8s.io/v1</c> AdmissionReview with a request and its uid; the message says what is wrong.</exception>
    public static AdmissionRequest Parse(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new FormatException("the body is not JSON: " + e.Message, e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "kind") != "AdmissionReview" || Text(root, "apiVersion") != ApiVersion)
            {
                throw new FormatException($"the body is not an {ApiVersion} AdmissionReview (set admissionReviewVersions: [\"v1\"] in the webhook configuration)");
            }

            if (!root.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object || Text(request, "uid") is not { Length: > 0 } uid)
            {
                throw new FormatException("the AdmissionReview has no request with a uid");
            }

            var kind = request.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.Object ? Text(k, "kind") ?? string.Empty : string.Empty;
            var obj = request.TryGetProperty("object", out var o) && o.ValueKind == JsonValueKind.Object ? o.GetRawText() : null;
            return new AdmissionRequest(uid, kind, Text(request, "operation") ?? string.Empty, Text(request, "name") ?? string.Empty, Text(request, "namespace") ?? string.Empty, obj);
        }
    }

    /// <summary>Writes the AdmissionReview that answers a request.</summary>
    public static byte[] Write(AdmissionAnswer answer)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", ApiVersion);
            writer.WriteString("kind", "AdmissionReview");
            writer.WriteStartObject("response");
            writer.WriteString("uid", answer.Uid);
            writer.WriteBoolean("allowed", answer.Allowed);
            if (answer.Warnings.Count > 0)
            {
                writer.WriteStartArray("warnings");
                foreach (var warning in answer.Warnings)
                {
                    writer.WriteStringValue(warning);
                }

                writer.WriteEndArray();
            }

            if (answer.Status is { } status)
            {
                WriteStatus(writer, status);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A metav1.Status (KubernetesClient's converter of <see cref="V1Status"/> reads only).</summary>
    private static void WriteStatus(Utf8JsonWriter writer, V1Status status)
    {
        writer.WriteStartObject("status");
        writer.WriteString("apiVersion", "v1");
        writer.WriteString("kind", "Status");
        writer.WriteStartObject("metadata");
        writer.WriteEndObject();
        writer.WriteString("status", status.Status);
        writer.WriteString("message", status.Message);
        writer.WriteString("reason", status.Reason);
        if (status.Code is { } code)
        {
            writer.WriteNumber("code", code);
        }

        if (status.Details is { } details)
        {
            writer.WriteStartObject("details");
            writer.WriteString("name", details.Name);
            writer.WriteString("group", details.Group);
            writer.WriteString("kind", details.Kind);
            writer.WriteStartArray("causes");
            foreach (var cause in details.Causes ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("reason", cause.Reason);
                writer.WriteString("message", cause.Message);
                writer.WriteString("field", cause.Field);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
