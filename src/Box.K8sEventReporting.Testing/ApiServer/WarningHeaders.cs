using System.Text;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// The <c>Warning</c> response headers of one answer, as k8s.io/apiserver's warning recorder writes them: code 299,
/// agent <c>-</c>, the text quoted with <c>"</c> and <c>\</c> escaped, empty and repeated texts skipped, and past
/// 4096 characters in total every text cut to 256 characters; control characters (line breaks) become spaces, as Go's
/// net/http writes them.
/// </summary>
internal sealed class WarningHeaders
{
    private const int TruncateAtTotalRunes = 4 * 1024;
    private const int TruncateItemRunes = 256;
    private readonly List<string> ordered = [];
    private readonly HashSet<string> seen = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Texts => ordered;

    /// <summary>Formats one warning as the real server does: <c>299 - "text"</c>.</summary>
    public static string Format(string text)
    {
        var quoted = new StringBuilder(text.Length + 8).Append("299 - \"");
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\');
            }

            // Go's net/http writes line breaks in header values as spaces; other control characters would end the header too.
            quoted.Append(char.IsControl(c) && c != '\t' ? ' ' : c);
        }

        return quoted.Append('"').ToString();
    }

    public void Add(string? text)
    {
        if (!string.IsNullOrEmpty(text) && seen.Add(text))
        {
            ordered.Add(text);
        }
    }

    public void AddRange(IEnumerable<string> texts)
    {
        foreach (var text in texts)
        {
            Add(text);
        }
    }

    /// <summary>Appends the headers to <paramref name="response"/>.</summary>
    public ApiResponse ApplyTo(ApiResponse response)
    {
        var total = ordered.Sum(t => t.EnumerateRunes().Count());
        foreach (var text in ordered)
        {
            response.WithHeader("Warning", Format(total > TruncateAtTotalRunes ? Truncate(text) : text));
        }

        return response;
    }

    private static string Truncate(string text)
    {
        var runes = 0;
        for (var i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            if (++runes > TruncateItemRunes)
            {
                return text[..i];
            }
        }

        return text;
    }
}
