using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// What the real API server checks in every object's <c>metadata.labels</c> and <c>metadata.annotations</c>
/// (apimachinery's <c>ValidateLabels</c> and <c>ValidateAnnotations</c>): qualified-name keys, label values of at most 63
/// characters of <c>[A-Za-z0-9-_.]</c> starting and ending alphanumeric, and annotations of at most 256 KiB in total.
/// </summary>
internal static class MetadataValidator
{
    /// <summary>The API server's limit on the total size of an object's annotations, keys and values, in bytes.</summary>
    public const int TotalAnnotationSizeLimitBytes = 256 * 1024;

    private const string QualifiedNameMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
    private const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    public static List<FieldError> Validate(JsonObject obj)
    {
        var errors = new List<FieldError>();
        if (obj["metadata"] is not JsonObject meta)
        {
            return errors;
        }

        if (meta["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                if (!KubernetesNames.IsQualifiedName(key))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", key, QualifiedNameMessage));
                }

                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;
                if (text.Length > KubernetesNames.MaxNamePartLength)
                {
                    errors.Add(FieldError.Invalid("metadata.labels", text, "must be no more than 63 characters"));
                }
                else if (text.Length > 0 && !IsLabelValue(text))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", text, LabelValueMessage));
                }
            }
        }

        if (meta["annotations"] is JsonObject annotations)
        {
            long total = 0;
            foreach (var (key, value) in annotations)
            {
                if (!KubernetesNames.IsQualifiedName(key.ToLowerInvariant()))
                {
                    errors.Add(FieldError.Invalid("metadata.annotations", key, QualifiedNameMessage));
                }

                total += Encoding.UTF8.GetByteCount(key) + (value is JsonValue v && v.TryGetValue<string>(out var s) ? Encoding.UTF8.GetByteCount(s) : 0);
            }

            if (total > TotalAnnotationSizeLimitBytes)
            {
                errors.Add(new FieldError("FieldValueTooLong", "metadata.annotations", "Too long: must have at most " + TotalAnnotationSizeLimitBytes.ToString(CultureInfo.InvariantCulture) + " bytes"));
            }
        }

        return errors;
    }

    private static bool IsLabelValue(string value) =>
        char.IsAsciiLetterOrDigit(value[0]) && char.IsAsciiLetterOrDigit(value[^1]) && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
