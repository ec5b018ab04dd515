using System.Threading.Channels;
using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// A rate-limited work queue with client-go's semantics: a key added many times before it is taken is handed out once;
/// a key is never handed to two workers at once; a key added while it is processed is handed out again after
/// <see cref="Done"/>; keys can be added after a delay or after a per-key backoff.
/// </summary>
/// <remarks>
/// The ready keys flow through an unbounded <see cref="Channel{T}"/>; its size is bounded by the number of distinct keys
/// because a key is in it at most once. Delays are <see cref="TimeProvider"/> timers, one per waiting key.
/// </remarks>
internal sealed class WorkQueue : IDisposable
{
    private readonly object _gate = new();
    private readonly Channel<ResourceKey> _ready = Channel.CreateUnbounded<ResourceKey>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    private readonly HashSet<ResourceKey> _dirty = [];
    private readonly HashSet<ResourceKey> _processing = [];
    private readonly Dictionary<ResourceKey, long> _queuedAt = [];
    private readonly Dictionary<ResourceKey, DelayedKey> _waiting = [];
    private readonly IWorkQueueRateLimiter _rateLimiter;
    private readonly TimeProvider _timeProvider;
    private readonly WorkQueueMetrics? _metrics;
    private TaskCompletionSource? _drained;
    private bool _shuttingDown;

    public WorkQueue(IWorkQueueRateLimiter rateLimiter, TimeProvider timeProvider, string? kind = null, ControllerMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(rateLimiter);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _rateLimiter = rateLimiter;
        _timeProvider = timeProvider;
        if (kind is not null && metrics is not null)
        {
            _metrics = new WorkQueueMetrics(metrics, kind, this);
        }
    }

    /// <summary>Gets how many keys are ready to be handed out.</summary>
    public int Count => _ready.Reader.Count;

    /// <summary>Gets how many keys wait for a delay to pass.</summary>
    public int WaitingCount
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Gets how many keys are being processed.</summary>
    public int ProcessingCount
    {
        get
        {
            lock (_gate)
            {
                return _processing.Count;
            }
        }
    }

    /// <summary>Gets a value indicating whether <see cref="ShutDown"/> was called.</summary>
    public bool IsShuttingDown
    {
        get
        {
            lock (_gate)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Marks <paramref name="key"/> as needing processing. Ignored after shutdown.</summary>
    public void Add(ResourceKey key)
    {
        lock (_gate)
        {
            if (_shuttingDown || !_dirty.Add(key))
            {
                return;
            }

            _metrics?.Added();
            _queuedAt[key] = _timeProvider.GetTimestamp();

            // A key being processed is handed out again by Done, never to a second worker now.
            if (!_processing.Contains(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }

    /// <summary>The longest delay a timer takes (about 24.8 days); a longer one adds the key then, and its reconciler asks again.</summary>
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <summary>Adds <paramref name="key"/> once <paramref name="delay"/> (at most <see cref="MaxDelay"/>) has passed; an earlier pending add wins.</summary>
    public void AddAfter(ResourceKey key, TimeSpan delay)
    {
        if (delay > MaxDelay)
        {
            delay = MaxDelay;
        }

        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            var due = _timeProvider.GetTimestamp() + (long)(delay.TotalSeconds * _timeProvider.TimestampFrequency);
            if (_waiting.TryGetValue(key, out var existing))
            {
                if (existing.Due <= due)
                {
                    return;
                }

                existing.Timer.Dispose();
            }

            var entry = new DelayedKey(this, key, due);
            _waiting[key] = entry;

            // The callback takes the lock, so it cannot see the entry before its timer is set.
            entry.Timer = _timeProvider.CreateTimer(static state => ((DelayedKey)state!).Fire(), entry, delay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Adds <paramref name="key"/> after its rate limiter's delay: per-key backoff combined with an overall bucket.</summary>
    public void AddRateLimited(ResourceKey key)
    {
        var delay = _rateLimiter.When(key);
        _metrics?.Retried();
        AddAfter(key, delay);
    }

    /// <summary>Stops the backoff of <paramref name="key"/>: its next failure starts from the base delay.</summary>
    public void Forget(ResourceKey key) => _rateLimiter.Forget(key);

    /// <summary>Gets how many times <paramref name="key"/> was retried since it was last forgotten.</summary>
    public int NumRequeues(ResourceKey key) => _rateLimiter.NumRequeues(key);

    /// <summary>Drops a pending delayed add of <paramref name="key"/>, if any.</summary>
    public void CancelDelayed(ResourceKey key)
    {
        lock (_gate)
        {
            if (_waiting.Remove(key, out var entry))
            {
                entry.Timer.Dispose();
            }
        }
    }

    /// <summary>
    /// Waits for a key and marks it as processing; the caller must call <see cref="Done"/> with it.
    /// Keys still queued are handed out after <see cref="ShutDown"/>; then <see langword="null"/> says the queue is finished.
    /// </summary>
    public async ValueTask<ResourceKey?> GetAsync(CancellationToken cancellationToken)
    {
        while (await _ready.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ResourceKey key;
            long queuedAt;

            // Taken and marked processing in one step: a key is never seen neither queued nor processing.
            lock (_gate)
            {
                if (!_ready.Reader.TryRead(out key))
                {
                    continue;
                }

                _dirty.Remove(key);
                _processing.Add(key);
                _queuedAt.Remove(key, out queuedAt);
            }

            _metrics?.Taken(_timeProvider.GetElapsedTime(queuedAt));
            return key;
        }

        return null;
    }

    /// <summary>Marks <paramref name="key"/> as processed; if it was added meanwhile, it is queued again.</summary>
    public void Done(ResourceKey key)
    {
        lock (_gate)
        {
            if (!_processing.Remove(key))
            {
                return;
            }

            if (_dirty.Contains(key))
            {
                _ready.Writer.TryWrite(key);
            }

            if (_processing.Count == 0)
            {
                _drained?.TrySetResult();
            }
        }
    }

    /// <summary>Stops accepting keys and drops delayed ones; keys already queued are still handed out.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            _shuttingDown = true;
            foreach (var entry in _waiting.Values)
            {
                entry.Timer.Dispose();
            }

            _waiting.Clear();
            _ready.Writer.TryComplete();
        }
    }

    /// <summary>Shuts down, then waits until no key is being processed or <paramref name="cancellationToken"/> fires.</summary>
    /// <returns><see langword="true"/> when drained; <see langword="false"/> when the wait was abandoned.</returns>
    public async Task<bool> ShutDownWithDrainAsync(CancellationToken cancellationToken)
    {
        Task drained;
        lock (_gate)
        {
            ShutDown();
            if (_processing.Count == 0)
            {
                return true;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }

        try
        {
            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose()
    {
        ShutDown();
        _metrics?.Dispose();
    }

    /// <summary>Called by the timer of <paramref name="entry"/>: adds its key, unless a later add replaced the entry.</summary>
    internal void OnDelayElapsed(DelayedKey entry)
    {
        var key = entry.Key;
        lock (_gate)
        {
            // A later, earlier-due AddAfter may have replaced this entry; only the current one adds.
            if (!_waiting.TryGetValue(key, out var current) || !ReferenceEquals(current, entry))
            {
                return;
            }

            _waiting.Remove(key);
            entry.Timer.Dispose();
        }

        Add(key);
    }
}
