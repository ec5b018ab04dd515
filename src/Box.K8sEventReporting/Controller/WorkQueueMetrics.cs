using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Box.K8sEventReporting.Controller;

/// <summary>Publishes one work queue's depth, adds, retries and wait time, under the library's and controller-runtime's names.</summary>
internal sealed class WorkQueueMetrics : IDisposable
{
    private readonly ControllerMetrics _metrics;
    private readonly WorkQueue _queue;
    private readonly TagList _tags;
    private readonly TagList _queueTags;
    private volatile bool _disposed;

    public WorkQueueMetrics(ControllerMetrics metrics, string kind, WorkQueue queue)
    {
        _metrics = metrics;
        _queue = queue;
        _tags = ControllerMetrics.KindTags(kind);
        _queueTags = ControllerMetrics.QueueTags(kind);

        // One gauge per queue, observed until the queue is disposed: no registry outlives the queue.
        metrics.ObserveGauge("k8s_event_reporting.workqueue.depth", "{key}", "Keys ready in a work queue, waiting for a worker.", () => Depth(_tags));
        metrics.ObserveGauge("workqueue_depth", null, "Current depth of workqueue.", () => Depth(_queueTags));
    }

    public void Added()
    {
        _metrics.QueueAdds.Add(1, _tags);
        _metrics.CrQueueAdds.Add(1, _queueTags);
    }

    public void Retried()
    {
        _metrics.QueueRetries.Add(1, _tags);
        _metrics.CrQueueRetries.Add(1, _queueTags);
    }

    public void Taken(TimeSpan waited)
    {
        _metrics.QueueWait.Record(waited.TotalSeconds, _tags);
        _metrics.CrQueueDuration.Record(waited.TotalSeconds, _queueTags);
    }

    public void Dispose() => _disposed = true;

    private IEnumerable<Measurement<long>> Depth(TagList tags) =>
        _disposed ? [] : [new Measurement<long>(_queue.Count, tags)];
}
