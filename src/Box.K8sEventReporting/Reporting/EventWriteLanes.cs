using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// The recorder's writers: two bounded lanes of Event writes (the urgent one, and one for writes that yield to every other),
/// drained by a fixed number of writers through the retrier; each write's outcome goes back to the correlator.
/// </summary>
/// <remarks>The correlator is only touched under the recorder's lock, which the lanes share.</remarks>
internal sealed class EventWriteLanes : IDisposable
{
    private readonly object gate;
    private readonly EventCorrelator correlator;
    private readonly EventWriteRetrier retrier;
    private readonly EventReporterOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly ReportingMetrics? metrics;
    private readonly Channel<EventRecord> queue;
    private readonly Channel<EventRecord> background;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task[] workers;
    private long outstanding;
    private TaskCompletionSource? idle;

    public EventWriteLanes(object gate, EventCorrelator correlator, EventWriteRetrier retrier, EventReporterOptions options, ILogger logger, TimeProvider timeProvider, ReportingMetrics? metrics)
    {
        this.metrics = metrics;
        this.gate = gate;
        this.correlator = correlator;
        this.retrier = retrier;
        this.options = options;
        this.logger = logger;
        this.timeProvider = timeProvider;
        queue = Channel.CreateBounded<EventRecord>(
            new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = false, SingleReader = options.MaxConcurrentWrites == 1 },
            OnWriteDropped);
        background = Channel.CreateBounded<EventRecord>(
            new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = false, SingleReader = options.MaxConcurrentWrites == 1 },
            OnWriteDropped);
        workers = new Task[options.MaxConcurrentWrites];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => RunWriterAsync(stopping.Token));
        }
    }

    /// <summary>Gets the number of writes queued or in flight.</summary>
    public long Outstanding => Interlocked.Read(ref outstanding);

    /// <summary>Waits until no write is queued or in flight.</summary>
    public async Task WaitIdleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (outstanding == 0)
                {
                    return;
                }

                idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = idle.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes no more writes and stops the writers once they are done with the current ones.</summary>
    public async Task StopAsync()
    {
        queue.Writer.TryComplete();
        background.Writer.TryComplete();
        await stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(workers).ConfigureAwait(false);
        stopping.Dispose();
    }

    /// <summary>Takes no more writes and stops the writers at once (a write in flight is abandoned).</summary>
    public void Dispose()
    {
        queue.Writer.TryComplete();
        background.Writer.TryComplete();
        stopping.Cancel();
    }

    /// <summary>Queues a write in its lane; called under the recorder's lock.</summary>
    public void Enqueue(EventRecord record)
    {
        outstanding++;
        metrics?.QueueLength.Add(1);
        if (!(record.IsBackground ? background : queue).Writer.TryWrite(record))
        {
            // Only after completion (disposal): the write is lost.
            correlator.AbandonWrite(record, "shutdown");
            FinishOne();
            metrics?.Dropped.Add(1, new KeyValuePair<string, object?>("cause", "shutdown"));
        }
    }

    // Called by the channel, synchronously inside TryWrite, so under the gate.
    private void OnWriteDropped(EventRecord record)
    {
        lock (gate)
        {
            correlator.AbandonWrite(record, "queue_full");
            FinishOne();
        }

        metrics?.Dropped.Add(1, new KeyValuePair<string, object?>("cause", "queue_full"));
        Log.EventWriteDroppedQueueFull(logger, options.QueueCapacity, record.Key.Object.Namespace, record.Name);
    }

    // Called under the gate.
    private void FinishOne()
    {
        outstanding--;
        metrics?.QueueLength.Add(-1);
        if (outstanding == 0 && idle is not null)
        {
            idle.TrySetResult();
            idle = null;
        }
    }

    private async Task RunWriterAsync(CancellationToken cancellationToken)
    {
        var urgent = queue.Reader;
        var later = background.Reader;
        try
        {
            while (!(urgent.Completion.IsCompleted && later.Completion.IsCompleted))
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Every urgent write first; a background write only when none is queued.
                if (urgent.TryRead(out var record) || later.TryRead(out record))
                {
                    await ProcessAsync(record, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await Task.WhenAny(urgent.WaitToReadAsync(cancellationToken).AsTask(), later.WaitToReadAsync(cancellationToken).AsTask()).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task ProcessAsync(EventRecord record, CancellationToken cancellationToken)
    {
        EventWrite write;
        long serverCount;
        lock (gate)
        {
            write = EventWrite.From(record);
            serverCount = record.ServerCount;
        }

        var outcome = EventWriteOutcome.Failed;
        try
        {
            (outcome, serverCount) = await retrier.WriteAsync(write, serverCount, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lock (gate)
            {
                correlator.AbandonWrite(record, "shutdown");
                FinishOne();
            }

            throw;
        }
#pragma warning disable CA1031 // A bug in one write must not stop the writer loop; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.EventWriterCrashed(logger, ex, write.Namespace, write.Name);
        }

        lock (gate)
        {
            switch (outcome)
            {
                case EventWriteOutcome.Written:
                    var next = correlator.CompleteWrite(record, serverCount, write.Delta, timeProvider.GetUtcNow());
                    if (next is CorrelationDecision.Create or CorrelationDecision.Patch)
                    {
                        Enqueue(record);
                    }

                    break;
                case EventWriteOutcome.Rejected:
                    correlator.DiscardWrite(record);
                    break;
                default:
                    correlator.AbandonWrite(record, "write_failed");
                    break;
            }

            FinishOne();
        }
    }
}
