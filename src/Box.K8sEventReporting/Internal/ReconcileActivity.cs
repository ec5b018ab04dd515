namespace Box.K8sEventReporting.Internal;

/// <summary>
/// Whether any controller of the process has a reconcile queued or running: writes beyond the floor (the status
/// condition) wait for the controllers to go quiet, so that during a burst the API server spends its time on what
/// application owners wait for (Secrets, Warnings on pods), and the status follows right after.
/// </summary>
/// <remarks>
/// Keys waiting for a delay (a requeue, a periodic revalidation) do not count: only work that is ready or in progress.
/// Owned by the status write queue (its <c>Activity</c>); a status write waits at most a bounded time, so a controller that
/// never goes quiet still writes its status.
/// </remarks>
internal sealed class ReconcileActivity
{
    private readonly object gate = new();
    private readonly List<Func<int>> sources = [];
    private TaskCompletionSource? quiet;

    /// <summary>Gets a value indicating whether no controller has a reconcile ready or running.</summary>
    public bool IsQuiet
    {
        get
        {
            lock (gate)
            {
                return IsQuietLocked();
            }
        }
    }

    /// <summary>Adds a controller, by the number of reconciles it has ready or running.</summary>
    public void AddSource(Func<int> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        lock (gate)
        {
            sources.Add(pending);
        }
    }

    /// <summary>Called when a reconcile ends or a controller stops working: wakes whatever waits for quiet, if it is quiet now.</summary>
    public void Pulse()
    {
        TaskCompletionSource? wake = null;
        lock (gate)
        {
            if (quiet is not null && IsQuietLocked())
            {
                (wake, quiet) = (quiet, null);
            }
        }

        wake?.TrySetResult();
    }

    /// <summary>Completes when no controller has a reconcile ready or running (at once if none has).</summary>
    public Task WhenQuietAsync()
    {
        lock (gate)
        {
            if (IsQuietLocked())
            {
                return Task.CompletedTask;
            }

            quiet ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return quiet.Task;
        }
    }

    /// <summary>
    /// Waits while a controller has reconciles ready or running, at most <paramref name="maxYield"/>: still busy after it,
    /// the caller goes on anyway, so that a controller that never goes quiet does not starve it.
    /// </summary>
    /// <param name="maxYield">The longest wait; its timer starts when the wait does.</param>
    /// <param name="timeProvider">The clock of <paramref name="maxYield"/>.</param>
    /// <param name="waiting">Called once when the caller has to wait (for a metric).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when quiet, or after <paramref name="maxYield"/>.</returns>
    public async Task YieldAsync(TimeSpan maxYield, TimeProvider timeProvider, Action waiting, CancellationToken cancellationToken)
    {
        var quiet = WhenQuietAsync();
        if (quiet.IsCompleted)
        {
            return;
        }

        waiting();
        try
        {
            await quiet.WaitAsync(maxYield, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still busy after maxYield: go on.
        }
    }

    private bool IsQuietLocked()
    {
        foreach (var pending in sources)
        {
            if (pending() > 0)
            {
                return false;
            }
        }

        return true;
    }
}
