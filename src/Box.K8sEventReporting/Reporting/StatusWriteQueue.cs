using System.Threading.Channels;
using Box.K8sEventReporting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Status writes off the reconcile's critical path: a reconcile posts the status it wants and goes on to the next resource;
/// background writers make the writes, one at a time per resource, coalescing what was posted meanwhile (the latest status
/// wins, fields set only by an older post are kept). A failed write is retried with backoff until it succeeds, a newer post
/// replaces it, or the API server refuses it for good (a 4xx other than 404 and 409: logged and counted); never dropped in
/// silence. While a controller has reconciles ready or running, writes wait (up to <see cref="MaxYield"/> each): during a
/// burst the API server serves the floor first, and the status, coalesced meanwhile, follows when it is over. Disposing
/// writes what is still waiting within <see cref="EventReporterOptions.ShutdownTimeout"/>.
/// </summary>
internal sealed class StatusWriteQueue : IAsyncDisposable, IDisposable
{
    /// <summary>How long a status write waits for the controllers' reconciles to end before it is written anyway.</summary>
    internal static readonly TimeSpan MaxYield = TimeSpan.FromSeconds(5);

    private readonly object gate = new();
    private readonly Dictionary<string, StatusWriteEntry> entries = new(StringComparer.Ordinal);
    private readonly Channel<string> ready = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly EventReporterOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly Func<double> jitter;
    private readonly ReportingMetrics? metrics;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task[] workers;
    private TaskCompletionSource? idle;
    private int disposed;

    public StatusWriteQueue(EventReporterOptions options, ILogger? logger = null, TimeProvider? timeProvider = null, Func<double>? jitter = null, ReportingMetrics? metrics = null)
    {
        this.metrics = metrics;
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        this.timeProvider = timeProvider ?? TimeProvider.System;
#pragma warning disable CA5394 // Retry jitter needs no cryptographic randomness.
        this.jitter = jitter ?? Random.Shared.NextDouble;
#pragma warning restore CA5394
        workers = new Task[options.MaxConcurrentWrites];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => RunWriterAsync(stopping.Token));
        }
    }

    /// <summary>
    /// Gets the controllers' reconciles that status writes yield to: each controller adds itself, and pulses it when a
    /// reconcile ends.
    /// </summary>
    public ReconcileActivity Activity { get; } = new();

    /// <summary>Gets the number of resources with a status write waiting or in flight.</summary>
    public int Pending
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="write"/>; returns at once.</summary>
    public void Post(IPendingStatusWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (Volatile.Read(ref disposed) != 0)
        {
            Log.StatusWriteLost(logger, write.Key, "the controller is stopping");
            metrics?.StatusWritesLost.Add(1);
            return;
        }

        lock (gate)
        {
            if (!entries.TryGetValue(write.Key, out var entry))
            {
                entry = new StatusWriteEntry();
                entries.Add(write.Key, entry);
                metrics?.StatusQueueLength.Add(1);
            }
            else if (entry.Waiting is not null)
            {
                metrics?.StatusWritesCoalesced.Add(1);
            }

            entry.Post(write);
            Schedule(write.Key, entry);
        }
    }

    /// <summary>Waits until no status write is waiting or in flight (retries included).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (entries.Count == 0)
                {
                    return;
                }

                idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = idle.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        using (var deadline = new CancellationTokenSource(options.ShutdownTimeout, timeProvider))
        {
            try
            {
                await FlushAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                var lost = Pending;
                Log.StatusWritesLostAtShutdown(logger, lost, options.ShutdownTimeout);
                metrics?.StatusWritesLost.Add(lost);
            }
        }

        ready.Writer.TryComplete();
        await stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(workers).ConfigureAwait(false);
        stopping.Dispose();
    }

    /// <summary>Stops at once, without writing what waits (logged and counted); prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        if (Pending is > 0 and var lost)
        {
            Log.StatusWritesLostAtShutdown(logger, lost, TimeSpan.Zero);
            metrics?.StatusWritesLost.Add(lost);
        }

        ready.Writer.TryComplete();
        stopping.Cancel();
    }

    // Under the gate: a key is in the channel at most once, and never while its write is in flight or backing off.
    private void Schedule(string key, StatusWriteEntry entry)
    {
        if (entry.TrySchedule())
        {
            ready.Writer.TryWrite(key);
        }
    }

    // Under the gate.
    private void Remove(string key)
    {
        entries.Remove(key);
        metrics?.StatusQueueLength.Add(-1);
        if (entries.Count == 0 && idle is not null)
        {
            idle.TrySetResult();
            idle = null;
        }
    }

    private async Task RunWriterAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await ready.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await YieldToReconcilesAsync(cancellationToken).ConfigureAwait(false);
                while (ready.Reader.TryRead(out var key))
                {
                    await ProcessAsync(key, cancellationToken).ConfigureAwait(false);
                    await YieldToReconcilesAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // The writes of the floor (Secrets, Events on pods) go first, and the status, coalesced meanwhile, right after the burst.
    private Task YieldToReconcilesAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref disposed) != 0
            ? Task.CompletedTask
            : Activity.YieldAsync(MaxYield, timeProvider, () => metrics?.StatusWritesYielded.Add(1), cancellationToken);

    private async Task ProcessAsync(string key, CancellationToken cancellationToken)
    {
        IPendingStatusWrite? write;
        StatusWriteEntry? entry;
        lock (gate)
        {
            if (!entries.TryGetValue(key, out entry) || entry.Take() is not { } next)
            {
                return;
            }

            write = next;
        }

        Exception? error = null;
        try
        {
            await write.WriteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;   // Stopping: DisposeAsync has counted what is left.
        }
#pragma warning disable CA1031 // Any failure of one write is handled (retried or logged); it must not stop the writer.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ex;
        }

        TimeSpan? retryIn = null;
        lock (gate)
        {
            if (error is null)
            {
                entry.Succeeded();
            }
            else if (ApiErrorClassifier.Classify(error, out var retryAfter, out var statusCode) == ApiErrorKind.Permanent
                || error is NotSupportedException)   // a writer that cannot write the fields asked for will never succeed
            {
                entry.Succeeded();   // given up: the next post starts afresh
                Log.StatusWriteRejected(logger, error, key, statusCode);
                metrics?.StatusWritesLost.Add(1);
            }
            else
            {
                // Kept (under anything newer) and written again after a backoff: a status is never lost to a passing error.
                entry.Failed(write);
                retryIn = options.RetryDelay(entry.Failures, jitter(), retryAfter);
                Log.StatusWriteRetrying(logger, error, key, statusCode, entry.Failures, retryIn.Value);
            }

            if (retryIn is null)
            {
                if (entry.Waiting is null)
                {
                    Remove(key);
                }
                else
                {
                    Schedule(key, entry);
                }
            }
        }

        if (retryIn is { } delay)
        {
            _ = RetryLaterAsync(key, entry, delay, cancellationToken);
        }
    }

    private async Task RetryLaterAsync(string key, StatusWriteEntry entry, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        lock (gate)
        {
            entry.BackingOff = false;
            Schedule(key, entry);
        }
    }
}
