namespace Box.K8sEventReporting.Watching;

/// <summary>
/// Cancels its token when a watch has outlived its own server-side timeout and then stayed silent for longer than the limit:
/// a healthy API server sends nothing on a quiet watch until it closes it at <c>timeoutSeconds</c> (bookmarks come near the
/// end, and only after a change), so silence before that deadline is normal and only silence past it means a dead connection.
/// Checked by a timer at a quarter of the limit, so touching is one timestamp write (cheap enough for every line of a busy watch).
/// </summary>
internal sealed class InactivityWatchdog : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly TimeProvider timeProvider;
    private readonly TimeSpan limit;
    private readonly long deadline;
    private readonly ITimer timer;
    private long lastActivity;
    private volatile bool fired;

    /// <param name="watchTimeout">The watch's server-side timeout (<c>timeoutSeconds</c>): no silence before it counts.</param>
    /// <param name="limit">How long the watch may stay silent past that timeout.</param>
    /// <param name="timeProvider">The clock.</param>
    public InactivityWatchdog(TimeSpan watchTimeout, TimeSpan limit, TimeProvider timeProvider)
    {
        this.limit = limit;
        this.timeProvider = timeProvider;
        lastActivity = timeProvider.GetTimestamp();
        deadline = lastActivity + (long)(watchTimeout.TotalSeconds * timeProvider.TimestampFrequency);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, limit.Ticks / 4));
        timer = timeProvider.CreateTimer(static state => ((InactivityWatchdog)state!).Check(), this, period, period);
    }

    public CancellationToken Token => source.Token;

    /// <summary>Gets a value indicating whether the limit was exceeded (and the token cancelled for that reason).</summary>
    public bool HasFired => fired;

    public void Touch() => Volatile.Write(ref lastActivity, timeProvider.GetTimestamp());

    public void Dispose()
    {
        timer.Dispose();
        source.Dispose();
    }

    private void Check()
    {
        var silentSince = Math.Max(Volatile.Read(ref lastActivity), deadline);
        if (fired || timeProvider.GetTimestamp() < silentSince || timeProvider.GetElapsedTime(silentSince) < limit)
        {
            return;
        }

        fired = true;
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Raced with Dispose: the watch is over anyway.
        }
    }
}
