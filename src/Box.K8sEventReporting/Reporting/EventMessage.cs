using System.Text;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Shortens messages to what the API server accepts, keeping both the start and the end.</summary>
internal static class EventMessage
{
    /// <summary>The most UTF-8 bytes an Event message (or events.k8s.io note) may have.</summary>
    public const int MaxEventMessageBytes = 1024;

    /// <summary>The most bytes a status condition message may have.</summary>
    public const int MaxConditionMessageBytes = 32768;

    /// <summary>What replaces the cut-out middle of a long message.</summary>
    public const string Marker = " [...] ";

    /// <summary>
    /// Returns <paramref name="message"/> unchanged when it fits in <paramref name="maxBytes"/> UTF-8 bytes, otherwise its start,
    /// <see cref="Marker"/> and its end, cut on character (rune) boundaries so no UTF-8 sequence or surrogate pair is split.
    /// </summary>
    public static string Truncate(string message, int maxBytes = MaxEventMessageBytes)
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

        return string.Concat(message.AsSpan(0, headEnd), Marker, message.AsSpan(tailStart));
    }
}
