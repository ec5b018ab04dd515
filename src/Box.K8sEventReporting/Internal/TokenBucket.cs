namespace Box.K8sEventReporting.Internal;

/// <summary>
/// A token bucket: starts full at <c>burst</c> and gains tokens at a steady rate, never holding more than <c>burst</c>.
/// Not thread-safe; callers lock.
/// </summary>
/// <remarks>
/// Time is a position on a monotonic axis supplied by the caller: a <see cref="TimeProvider"/>-driven adapter passes
/// <see cref="TimeProvider.GetElapsedTime(long)"/> since its start, pure decision code passes the instant it was given.
/// A position earlier than the last one adds nothing. Hand-written rather than System.Threading.RateLimiting's
/// <c>TokenBucketRateLimiter</c>, which replenishes on its own timer and cannot be driven by a <see cref="TimeProvider"/>.
/// </remarks>
internal sealed class TokenBucket
{
    private readonly double burst;
    private readonly double ticksPerToken;
    private double tokens;
    private TimeSpan last;

    private TokenBucket(int burst, double ticksPerToken, TimeSpan start)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        this.burst = burst;
        this.ticksPerToken = ticksPerToken;
        tokens = burst;
        last = start;
    }

    /// <summary>Creates a bucket that gains one token every <paramref name="refillInterval"/>.</summary>
    /// <param name="burst">The capacity, and the tokens at <paramref name="start"/>.</param>
    /// <param name="refillInterval">The time to gain one token.</param>
    /// <param name="start">The current position.</param>
    /// <returns>A full bucket.</returns>
    public static TokenBucket WithRefillInterval(int burst, TimeSpan refillInterval, TimeSpan start)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(refillInterval, TimeSpan.Zero);
        return new TokenBucket(burst, refillInterval.Ticks, start);
    }

    /// <summary>Creates a bucket that gains <paramref name="tokensPerSecond"/> tokens a second.</summary>
    /// <param name="burst">The capacity, and the tokens at <paramref name="start"/>.</param>
    /// <param name="tokensPerSecond">The refill rate.</param>
    /// <param name="start">The current position.</param>
    /// <returns>A full bucket.</returns>
    public static TokenBucket WithRate(int burst, double tokensPerSecond, TimeSpan start)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tokensPerSecond, 0);
        return new TokenBucket(burst, TimeSpan.TicksPerSecond / tokensPerSecond, start);
    }

    /// <summary>Takes one token when there is a whole one.</summary>
    /// <param name="now">The current position.</param>
    /// <returns><see langword="true"/> when a token was taken.</returns>
    public bool TryTake(TimeSpan now)
    {
        Refill(now);
        if (tokens < 1)
        {
            return false;
        }

        tokens--;
        return true;
    }

    /// <summary>Takes one token, possibly one that is not there yet, and returns the wait until it is.</summary>
    /// <param name="now">The current position.</param>
    /// <returns><see cref="TimeSpan.Zero"/> when a token was there, otherwise the wait until the reserved one is due.</returns>
    public TimeSpan Reserve(TimeSpan now)
    {
        Refill(now);
        tokens--;
        return tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)(-tokens * ticksPerToken));
    }

    private void Refill(TimeSpan now)
    {
        if (now > last)
        {
            tokens = Math.Min(burst, tokens + ((now - last).Ticks / ticksPerToken));
            last = now;
        }
    }
}
