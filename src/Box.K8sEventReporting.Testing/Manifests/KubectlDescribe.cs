using System.Globalization;
using System.Text;
using k8s.Models;

namespace Box.K8sEventReporting.Testing;

/// <summary>Formats Events the way <c>kubectl describe</c> shows them, for demos and test output.</summary>
public static class KubectlDescribe
{
    private static readonly string[] Header = ["Type", "Reason", "Age", "From", "Message"];
    private static readonly string[] Rule = ["----", "------", "----", "----", "-------"];

    /// <summary>Formats the <c>Events:</c> section of <c>kubectl describe</c>.</summary>
    /// <param name="events">The events about one object.</param>
    /// <param name="now">The time the ages are measured from.</param>
    /// <returns>The section, with a header; <c>Events:  &lt;none&gt;</c> when there are none.</returns>
    public static string FormatEvents(IEnumerable<Corev1Event> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(events);
        var rows = events
            .OrderBy(e => Last(e) ?? DateTime.MinValue)
            .Select(e => new[]
            {
                e.Type ?? string.Empty,
                e.Reason ?? string.Empty,
                Age(e, now),
                e.Source?.Component ?? e.ReportingComponent ?? string.Empty,
                (e.Message ?? string.Empty).Trim(),
            })
            .ToList();
        if (rows.Count == 0)
        {
            return "Events:  <none>";
        }

        var table = new List<string[]> { Header, Rule };
        table.AddRange(rows);
        var widths = Enumerable.Range(0, 4).Select(c => table.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder("Events:\n");
        foreach (var row in table)
        {
            text.Append("  ");
            for (var c = 0; c < 4; c++)
            {
                text.Append(row[c].PadRight(widths[c] + 2));
            }

            text.Append(row[4]).Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }

    private static DateTime? Last(Corev1Event e) => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp;

    private static string Age(Corev1Event e, DateTimeOffset now)
    {
        var last = Last(e);
        var first = e.FirstTimestamp ?? last;
        var lastAge = last is null ? "<unknown>" : Duration(now - new DateTimeOffset(DateTime.SpecifyKind(last.Value, DateTimeKind.Utc)));
        return (e.Count ?? 1) > 1 && first is not null
            ? $"{lastAge} (x{e.Count} over {Duration(now - new DateTimeOffset(DateTime.SpecifyKind(first.Value, DateTimeKind.Utc)))})"
            : lastAge;
    }

    private static string Duration(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds < 120 ? ((int)age.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : age.TotalMinutes < 120 ? ((int)age.TotalMinutes).ToString(CultureInfo.InvariantCulture) + "m"
            : age.TotalHours < 48 ? ((int)age.TotalHours).ToString(CultureInfo.InvariantCulture) + "h"
            : ((int)age.TotalDays).ToString(CultureInfo.InvariantCulture) + "d";
    }
}
