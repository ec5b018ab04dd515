using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Reports on pods through an <see cref="IEventRecorder"/>; it never waits for the API server.</summary>
public sealed class PodEventReporter : IPodEventReporter
{
    private readonly IEventRecorder recorder;

    /// <summary>Initializes a new instance of the <see cref="PodEventReporter"/> class.</summary>
    /// <param name="recorder">The recorder that writes the Events.</param>
    /// <exception cref="ArgumentNullException"><paramref name="recorder"/> is <see langword="null"/>.</exception>
    public PodEventReporter(IEventRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        this.recorder = recorder;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The pod has no name, or the report is invalid (see <see cref="IEventRecorder.Record"/>).</exception>
    public Task ReportAsync(V1Pod pod, EventReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pod);
        cancellationToken.ThrowIfCancellationRequested();
        recorder.Record(ObjectReferences.Create(pod), report);
        return Task.CompletedTask;
    }
}
