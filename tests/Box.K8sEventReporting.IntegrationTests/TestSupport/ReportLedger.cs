using System.Collections.Concurrent;
using Box.K8sEventReporting.Reporting;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.TestSupport;

/// <summary>
/// Counts every report handed to the Event recorder, so a test can hold the Event objects on the server against what was
/// reported: per object, type and reason, one Event object per distinct message reported, and the sum of their counts
/// equal to the number of reports. Grouping the Events by the fields their name is hashed from cannot fail (the server
/// refuses a second object of that name); this can.
/// </summary>
/// <remarks>
/// Messages are compared by number, not text: the recorder escapes and shortens what it writes. Aggregation (more than
/// 10 distinct messages of one reason on one object within 10 minutes) would show as a difference.
/// </remarks>
/// <remarks>Register <see cref="Decorate"/> as the <see cref="IEventRecorder"/> before the library (it uses TryAdd).</remarks>
internal sealed class ReportLedger
{
    private readonly ConcurrentDictionary<(ReportKey Key, string Message), long> reports = new();

    /// <summary>Gets the reporting component whose Events are ours (others write Events too on a real cluster).</summary>
    public string Component { get; init; } = "controlplane";

    /// <summary>Gets the total number of reports recorded.</summary>
    public long Total => reports.Values.Sum();

    /// <summary>Wraps <paramref name="inner"/> so that every report is counted here first.</summary>
    public IEventRecorder Decorate(IEventRecorder inner) => new Recording(this, inner);

    /// <summary>An Event's count read through core/v1, whichever API wrote it (events.k8s.io/v1 keeps it in its series).</summary>
    public static long CountOf(Corev1Event e) => e.Series?.Count ?? (e.Count is > 0 ? e.Count.Value : 1);

    /// <summary>
    /// Compares the Events in <paramref name="namespaces"/> with the reports about objects there. Call it once nothing
    /// reports any more and the recorders are flushed.
    /// </summary>
    /// <returns>One line per difference; empty when every report is on the server exactly once.</returns>
    public IReadOnlyList<string> Differences(IEnumerable<Corev1Event> events, params string[] namespaces)
    {
        var scope = new HashSet<string>(namespaces, StringComparer.Ordinal);
        var ours = events
            .Where(e => scope.Contains(e.Metadata.NamespaceProperty) && (e.Source?.Component ?? e.ReportingComponent) == Component)
            .GroupBy(e => new ReportKey(e.InvolvedObject.NamespaceProperty ?? "default", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.InvolvedObject.Uid ?? string.Empty, e.Type, e.Reason))
            .ToDictionary(g => g.Key, g => (Objects: g.Count(), Count: g.Sum(CountOf), Names: string.Join(", ", g.Select(e => e.Metadata.Name))));
        var reported = reports
            .GroupBy(r => r.Key.Key)
            .ToDictionary(g => g.Key, g => (Messages: g.Count(), Reports: g.Sum(r => r.Value)));
        var differences = new List<string>();
        foreach (var (key, found) in ours)
        {
            var (messages, count) = reported.GetValueOrDefault(key);
            if (found.Objects != messages)
            {
                differences.Add($"{found.Objects} Event objects ({found.Names}) for {messages} distinct reported message(s): {key}");
            }

            if (found.Count != count)
            {
                differences.Add($"Event count {found.Count} but reported {count} times: {key}");
            }
        }

        foreach (var (key, (_, count)) in reported)
        {
            if (scope.Contains(key.Namespace) && !ours.ContainsKey(key))
            {
                differences.Add($"reported {count} times but no Event: {key}");
            }
        }

        return differences;
    }

    private void Add(V1ObjectReference target, EventReport report)
    {
        var key = new ReportKey(
            string.IsNullOrEmpty(target.NamespaceProperty) ? "default" : target.NamespaceProperty,
            target.Kind,
            target.Name,
            target.Uid ?? string.Empty,
            report.Type.ToString(),
            report.Reason);
        reports.AddOrUpdate((key, report.Message), 1, (_, n) => n + 1);
    }

    private readonly record struct ReportKey(string Namespace, string Kind, string Name, string Uid, string Type, string Reason);

    private sealed class Recording(ReportLedger ledger, IEventRecorder inner) : IEventRecorder
    {
        public void Record(V1ObjectReference involvedObject, EventReport report)
        {
            inner.Record(involvedObject, report);
            ledger.Add(involvedObject, report);
        }
    }
}
