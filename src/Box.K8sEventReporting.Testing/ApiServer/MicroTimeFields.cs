using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// The fields the API declares as <c>metav1.MicroTime</c>, which the real server decodes with Go's layout
/// <c>2006-01-02T15:04:05.000000Z07:00</c>: exactly six fractional digits. A value without them (KubernetesClient writes a
/// whole second as <c>…:57Z</c>) fails to decode, and the request is answered 400 before any validation (transcripts 21a, 21b; a patch whose result does not decode: 422, transcript 21d).
/// </summary>
internal static partial class MicroTimeFields
{
    private const string Layout = "2006-01-02T15:04:05.000000Z07:00";

    /// <summary>Returns the decoder's message for the first MicroTime field of <paramref name="obj"/> that is not one, or <see langword="null"/>.</summary>
    public static string? FindDecodeError(ApiResource resource, JsonObject obj)
    {
        string[] paths = resource switch
        {
            { Flavor: ResourceFlavor.CoreEvent or ResourceFlavor.EventsV1Event } => ["eventTime", "series.lastObservedTime"],
            { Group: "coordination.k8s.io", Plural: "leases" } => ["spec.acquireTime", "spec.renewTime"],
            _ => [],
        };
        foreach (var path in paths)
        {
            JsonNode? node = obj;
            foreach (var part in path.Split('.'))
            {
                node = (node as JsonObject)?[part];
            }

            if (node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 && Describe(text) is { } problem)
            {
                return $"parsing time \"{text}\" as \"{Layout}\": {problem}";
            }
        }

        return null;
    }

    /// <summary>What Go's time.Parse says of a value that does not fit the layout, or <see langword="null"/> when it does.</summary>
    private static string? Describe(string text)
    {
        var match = Shape().Match(text);
        if (!match.Success)
        {
            return $"cannot parse \"{text}\" as \"2006\"";
        }

        var rest = text[match.Length..];
        if (!rest.StartsWith('.'))
        {
            return $"cannot parse \"{rest}\" as \".000000\"";
        }

        var digits = rest.Skip(1).TakeWhile(char.IsAsciiDigit).Count();
        if (digits < 6)
        {
            return $"cannot parse \"{rest}\" as \".000000\"";
        }

        var zone = rest[7..];
        return Zone().IsMatch(zone) ? null : $"cannot parse \"{zone}\" as \"Z07:00\"";
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")]
    private static partial Regex Shape();

    [GeneratedRegex(@"^(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex Zone();
}
