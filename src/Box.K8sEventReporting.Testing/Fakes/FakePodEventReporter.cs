using Box.K8sEventReporting.Reporting;
using k8s.Models;

namespace Box.K8sEventReporting.Testing;

/// <summary>An <see cref="IPodEventReporter"/> that records what it was asked to report, with assertion helpers.</summary>
public sealed class FakePodEventReporter : IPodEventReporter
{
    private readonly Recording<ReportedPodEvent> _reports = new();

    /// <summary>Gets every report so far, in order.</summary>
    public IReadOnlyList<ReportedPodEvent> Reports => _reports.Entries;

    /// <inheritdoc/>
    public Task ReportAsync(V1Pod pod, EventReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(report);
        cancellationToken.ThrowIfCancellationRequested();
        _reports.Add(new ReportedPodEvent(pod.Metadata?.NamespaceProperty ?? string.Empty, pod.Metadata?.Name ?? string.Empty, pod.Metadata?.Uid, report));
        return Task.CompletedTask;
    }

    /// <summary>Gets the reports made on one pod.</summary>
    /// <param name="namespace">The pod's namespace.</param>
    /// <param name="podName">The pod's name.</param>
    /// <returns>The reports, in order.</returns>
    public IReadOnlyList<ReportedPodEvent> ReportsFor(string @namespace, string podName) =>
        Reports.Where(r => r.Namespace == @namespace && r.PodName == podName).ToArray();

    /// <summary>Asserts that a pod got a report with the given reason (and message, when given).</summary>
    /// <param name="namespace">The pod's namespace.</param>
    /// <param name="podName">The pod's name.</param>
    /// <param name="reason">The expected reason.</param>
    /// <param name="message">The exact expected message, or <see langword="null"/> to accept any.</param>
    /// <returns>The matching report.</returns>
    /// <exception cref="FakeAssertionException">No such report was made.</exception>
    public ReportedPodEvent AssertReported(string @namespace, string podName, string reason, string? message = null)
    {
        var match = ReportsFor(@namespace, podName).FirstOrDefault(r => r.Report.Reason == reason && (message is null || r.Report.Message == message));
        return match ?? throw new FakeAssertionException(
            $"Expected pod '{@namespace}/{podName}' to get an event with reason '{reason}'{(message is null ? string.Empty : $" and message '{message}'")}; it got: {Describe(ReportsFor(@namespace, podName))}.");
    }

    /// <summary>Asserts that a pod got no report at all.</summary>
    /// <param name="namespace">The pod's namespace.</param>
    /// <param name="podName">The pod's name.</param>
    /// <exception cref="FakeAssertionException">The pod got a report.</exception>
    public void AssertNothingReported(string @namespace, string podName)
    {
        var reports = ReportsFor(@namespace, podName);
        if (reports.Count > 0)
        {
            throw new FakeAssertionException($"Expected no event on pod '{@namespace}/{podName}'; it got: {Describe(reports)}.");
        }
    }

    /// <summary>Waits until a report matching <paramref name="match"/> is made (or was made already).</summary>
    /// <param name="match">The condition.</param>
    /// <param name="timeout">How long to wait before failing.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The first matching report.</returns>
    /// <exception cref="FakeAssertionException">No matching report within <paramref name="timeout"/>.</exception>
    public Task<ReportedPodEvent> WaitForReportAsync(Func<ReportedPodEvent, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _reports.WaitForAsync(match, timeout, reports => $"No matching pod event within {timeout}; reports so far: {Describe(reports)}.", cancellationToken);

    private static string Describe(IEnumerable<ReportedPodEvent> reports)
    {
        var text = string.Join("; ", reports.Select(r => $"{r.Namespace}/{r.PodName} {r.Report.Type} {r.Report.Reason}: {r.Report.Message}"));
        return text.Length == 0 ? "nothing" : text;
    }
}
