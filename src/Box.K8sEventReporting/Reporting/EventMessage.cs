using System.Globalization;
using System.Text;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Makes text safe to show where people read it: control and other invisible characters escaped as Go's <c>%q</c> writes
/// them, then shortened to what the API server accepts, keeping both the start and the end.
/// </summary>
/// <remarks>
/// Every sink the library writes user-controlled text to goes through here: Event messages, condition messages, admission
/// warnings and the log lines that echo them. A resource field holding
/// <c>"app1\nWarning Fake: ..."</c> then shows as one line with a visible <c>\n</c>, never as a forged line in
/// <c>kubectl describe</c> or a log.
/// </remarks>
public static class EventMessage
{
    /// <summary>The most UTF-8 bytes an Event message (or events.k8s.io note) may have.</summary>
    public const int MaxEventMessageBytes = 1024;

    /// <summary>The most bytes a status condition message may have.</summary>
    internal const int MaxConditionMessageBytes = 32768;

    /// <summary>What replaces the cut-out middle of a long message.</summary>
    internal const string Marker = " [...] ";

    /// <summary>Escapes, then shortens: what every Event and condition message goes through.</summary>
    /// <param name="message">The message, possibly holding user-controlled text.</param>
    /// <param name="maxBytes">The most UTF-8 bytes of the result.</param>
    /// <returns>A message without control characters, at most <paramref name="maxBytes"/> UTF-8 bytes, no escape sequence cut in half.</returns>
    public static string Sanitize(string message, int maxBytes = MaxEventMessageBytes) => Truncate(Escape(message), maxBytes);

    /// <summary>
    /// Escapes every character Go's <c>strconv.IsPrint</c> rejects, the way Go's <c>%q</c> writes it: <c>\a \b \f \n \r \t \v</c>,
    /// <c>\xNN</c> for other ASCII controls and DEL, <c>\uNNNN</c> / <c>\UNNNNNNNN</c> for other invisible characters (format
    /// characters such as U+202E RIGHT-TO-LEFT OVERRIDE or U+200B, line and paragraph separators, spaces other than U+0020,
    /// private use and unassigned code points), and <c>\uNNNN</c> for an unpaired surrogate. Printable text in any script stays
    /// as it is.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns><paramref name="text"/> itself when nothing needs escaping, otherwise an escaped copy.</returns>
    /// <remarks>
    /// Unlike <c>%q</c>, quotes and backslashes are kept: the text is a whole message written by a validator, not one quoted
    /// value, and no line can be forged with them. Escaping an escaped text changes nothing.
    /// </remarks>
    internal static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = FirstToEscape(text);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        builder.Append(text, 0, first);
        var i = first;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is >= ' ' and < '\x7f')
            {
                builder.Append(c);
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                AppendHex(builder, "\\u", c, 4);
                i++;
                continue;
            }

            if (IsPrintable(rune))
            {
                builder.Append(text, i, consumed);
            }
            else
            {
                AppendEscaped(builder, rune.Value);
            }

            i += consumed;
        }

        return builder.ToString();
    }

    /// <summary>
    /// Returns <paramref name="message"/> unchanged when it fits in <paramref name="maxBytes"/> UTF-8 bytes, otherwise its start,
    /// <see cref="Marker"/> and its end, cut on character (rune) boundaries so no UTF-8 sequence or surrogate pair is split.
    /// </summary>
    internal static string Truncate(string message, int maxBytes = MaxEventMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(message);

        // Fast path: 3 bytes is the most one UTF-16 char can take.
        if (message.Length * 3 <= maxBytes || Encoding.UTF8.GetByteCount(message) <= maxBytes)
        {
            return message;
        }

        var budget = maxBytes - Encoding.UTF8.GetByteCount(Marker);
        var headBudget = budget / 2;
        var tailBudget = budget - headBudget;

        var headEnd = 0;
        var used = 0;
        foreach (var rune in message.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > headBudget)
            {
                break;
            }

            used += rune.Utf8SequenceLength;
            headEnd += rune.Utf16SequenceLength;
        }

        headEnd = StartOfCutEscape(message, headEnd) ?? headEnd;

        var tailStart = message.Length;
        used = 0;
        while (tailStart > headEnd)
        {
            var status = Rune.DecodeLastFromUtf16(message.AsSpan(headEnd, tailStart - headEnd), out var rune, out var consumed);
            var bytes = status == System.Buffers.OperationStatus.Done ? rune.Utf8SequenceLength : 3; // a lone surrogate becomes U+FFFD
            if (used + bytes > tailBudget)
            {
                break;
            }

            used += bytes;
            tailStart -= consumed;
        }

        if (StartOfCutEscape(message, tailStart) is { } cut)
        {
            tailStart = cut + EscapeLength(message, cut);
        }

        return string.Concat(message.AsSpan(0, headEnd), Marker, message.AsSpan(tailStart));
    }

    /// <summary>Whether Go's <c>strconv.IsPrint</c> accepts the rune: letters, marks, numbers, punctuation, symbols and U+0020.</summary>
    private static bool IsPrintable(Rune rune) => rune.Value == ' ' || Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.SpaceSeparator or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate => false,
        _ => true,
    };

    private static int FirstToEscape(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= ' ' and < '\x7f')
            {
                continue;
            }

            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed) != System.Buffers.OperationStatus.Done || !IsPrintable(rune))
            {
                return i;
            }

            i += consumed - 1;
        }

        return -1;
    }

    private static void AppendEscaped(StringBuilder builder, int value)
    {
        switch (value)
        {
            case '\a': builder.Append("\\a"); break;
            case '\b': builder.Append("\\b"); break;
            case '\f': builder.Append("\\f"); break;
            case '\n': builder.Append("\\n"); break;
            case '\r': builder.Append("\\r"); break;
            case '\t': builder.Append("\\t"); break;
            case '\v': builder.Append("\\v"); break;
            case < ' ' or 0x7f: AppendHex(builder, "\\x", value, 2); break;
            case < 0x10000: AppendHex(builder, "\\u", value, 4); break;
            default: AppendHex(builder, "\\U", value, 8); break;
        }
    }

    private static void AppendHex(StringBuilder builder, string prefix, int value, int digits) =>
        builder.Append(prefix).Append(value.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));

    /// <summary>The length of the escape sequence <see cref="Escape"/> may have written at <paramref name="index"/>; 0 when none starts there.</summary>
    private static int EscapeLength(string text, int index) =>
        index + 1 < text.Length && text[index] == '\\'
            ? text[index + 1] switch
            {
                'a' or 'b' or 'f' or 'n' or 'r' or 't' or 'v' => 2,
                'x' => 4,
                'u' => 6,
                'U' => 10,
                _ => 0,
            }
            : 0;

    /// <summary>The start of an escape sequence that a cut at <paramref name="cut"/> would split, or <see langword="null"/>.</summary>
    private static int? StartOfCutEscape(string text, int cut)
    {
        for (var start = cut - 1; start >= 0 && start > cut - 10; start--)
        {
            if (text[start] == '\\' && start + EscapeLength(text, start) > cut)
            {
                return start;
            }
        }

        return null;
    }
}
