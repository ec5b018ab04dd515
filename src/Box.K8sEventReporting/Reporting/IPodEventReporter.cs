using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Posts Kubernetes Events on pods, where <c>kubectl describe pod</c> shows them to the application owner.</summary>
/// <remarks>
/// Identical reports on the same pod do not create a new Event object each time: the existing Event's
/// <c>count</c> and <c>lastTimestamp</c> go up, which <c>kubectl describe</c> shows as <c>(x24 over 1d)</c>.
/// </remarks>
public interface IPodEventReporter
{
    /// <summary>Reports <paramref name="report"/> on <paramref name="pod"/>.</summary>
    /// <param name="pod">The pod the event is about; its namespace, name and uid must be set.</param>
    /// <param name="report">What to say.</param>
    /// <param name="cancellationToken">Stops waiting; a report already accepted may still be delivered.</param>
    /// <returns>A task that completes once the report is accepted for delivery.</returns>
    Task ReportAsync(V1Pod pod, EventReport report, CancellationToken cancellationToken = default);
}
