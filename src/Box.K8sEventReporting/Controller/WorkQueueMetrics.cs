using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Box.K8sEventReporting.Controller;

/// <summary>Publishes one work queue's depth, adds, retries and wait time, tagged with the resource kind.</summary>
internal sealed class WorkQueueMetrics : IDisposable
{
    private readonly WorkQueue _queue;
    private readonly TagList _tags;

    public WorkQueueMetrics(string kind, WorkQueue queue)
    {
        _queue = queue;
        _tags = ControllerMetrics.KindTags(kind);
        ControllerMetrics.Register(this);
    }

    public Measurement<int> Depth() => new(_queue.Count, _tags);

    public void Added() => ControllerMetrics.QueueAdds.Add(1, _tags);

    public void Retried() => ControllerMetrics.QueueRetries.Add(1, _tags);

    public void Taken(TimeSpan waited) => ControllerMetrics.QueueWait.Record(waited.TotalSeconds, _tags);

    public void Dispose() => ControllerMetrics.Unregister(this);
}
