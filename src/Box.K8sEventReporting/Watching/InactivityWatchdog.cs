namespace Box.K8sEventReporting.Watching;

/// <summary>
/// Cancels its token when <see cref="Touch"/> has not been called for longer than the limit. Checked by a timer at a quarter
/// of the limit, so touching is one timestamp write (cheap enough for every line of a busy watch).
/// </summary>
internal sealed class InactivityWatchdog : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly TimeProvider timeProvider;
    private readonly TimeSpan limit;
    private readonly ITimer timer;
    private long lastActivity;
    private volatile bool fired;

    public InactivityWatchdog(TimeSpan limit, TimeProvider timeProvider)
    {
        this.limit = limit;
        this.timeProvider = timeProvider;
        lastActivity = timeProvider.GetTimestamp();
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
        if (fired || timeProvider.GetElapsedTime(Volatile.Read(ref lastActivity)) < limit)
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
