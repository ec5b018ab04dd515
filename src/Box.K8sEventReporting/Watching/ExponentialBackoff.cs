using Box.K8sEventReporting.Internal;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// Exponential backoff with jitter that starts over after a healthy period, like client-go's
/// <c>NewExponentialBackoffManager</c>. Not thread-safe: one instance per list+watch loop.
/// </summary>
internal sealed class ExponentialBackoff
{
    private readonly TimeSpan initial;
    private readonly TimeSpan max;
    private readonly double jitter;
    private readonly TimeSpan resetAfter;
    private readonly TimeProvider timeProvider;
    private readonly Random random;
    private int attempt;
    private long lastFailureTimestamp;
    private bool hasFailed;

    public ExponentialBackoff(TimeSpan initial, TimeSpan max, double jitter, TimeSpan resetAfter, TimeProvider timeProvider, Random random)
    {
        this.initial = initial;
        this.max = max;
        this.jitter = jitter;
        this.resetAfter = resetAfter;
        this.timeProvider = timeProvider;
        this.random = random;
    }

    /// <summary>Gets the number of failures counted since the last reset.</summary>
    public int Attempt => attempt;

    /// <summary>Records a failure and returns how long to wait before the next attempt.</summary>
    /// <returns>A delay between <c>initial</c> and <c>max</c>.</returns>
    public TimeSpan NextDelay()
    {
        var now = timeProvider.GetTimestamp();
        if (hasFailed && timeProvider.GetElapsedTime(lastFailureTimestamp, now) >= resetAfter)
        {
            attempt = 0;
        }

        hasFailed = true;
        lastFailureTimestamp = now;
        var exponent = Math.Min(attempt, 30);
        attempt++;
        var baseTicks = Backoff.Exponential(initial, exponent, max).Ticks;
        var jittered = baseTicks * (1 + (jitter * random.NextDouble()));
        return TimeSpan.FromTicks((long)Math.Min(max.Ticks, jittered));
    }

    /// <summary>Forgets every failure so that the next delay is the initial one again.</summary>
    public void Reset()
    {
        attempt = 0;
        hasFailed = false;
    }
}
