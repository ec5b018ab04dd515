namespace Box.K8sEventReporting.Reporting;

/// <summary>A token bucket on an injected clock: starts full at <c>burst</c>, gains one token per refill interval.</summary>
internal sealed class TokenBucket
{
    private readonly int burst;
    private readonly TimeSpan refillInterval;
    private double tokens;
    private DateTimeOffset last;

    public TokenBucket(int burst, TimeSpan refillInterval, DateTimeOffset now)
    {
        this.burst = burst;
        this.refillInterval = refillInterval;
        tokens = burst;
        last = now;
    }

    /// <summary>Takes one token when there is one.</summary>
    /// <param name="now">The current time.</param>
    /// <returns><see langword="true"/> when a token was taken.</returns>
    public bool TryTake(DateTimeOffset now)
    {
        if (now > last)
        {
            tokens = Math.Min(burst, tokens + ((now - last) / refillInterval));
            last = now;
        }

        if (tokens < 1)
        {
            return false;
        }

        tokens--;
        return true;
    }
}
