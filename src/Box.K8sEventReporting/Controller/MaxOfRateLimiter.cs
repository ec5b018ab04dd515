using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Controller;

/// <summary>Combines rate limiters: a key waits for the longest of them (client-go's <c>MaxOfRateLimiter</c>).</summary>
internal sealed class MaxOfRateLimiter : IWorkQueueRateLimiter
{
    private readonly IWorkQueueRateLimiter[] _limiters;

    public MaxOfRateLimiter(params IWorkQueueRateLimiter[] limiters)
    {
        ArgumentNullException.ThrowIfNull(limiters);
        ArgumentOutOfRangeException.ThrowIfZero(limiters.Length);
        _limiters = limiters;
    }

    /// <summary>Creates client-go's default controller rate limiter from <paramref name="options"/>.</summary>
    public static MaxOfRateLimiter CreateDefault(ControllerOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new MaxOfRateLimiter(
            new ExponentialFailureRateLimiter(options.RetryBaseDelay, options.RetryMaxDelay),
            new TokenBucketRateLimiter(options.RetryRatePerSecond, options.RetryBurst, timeProvider));
    }

    public TimeSpan When(ResourceKey key)
    {
        var longest = TimeSpan.Zero;
        foreach (var limiter in _limiters)
        {
            // Every limiter is asked, so each one records the retry (the bucket reserves its token).
            var delay = limiter.When(key);
            if (delay > longest)
            {
                longest = delay;
            }
        }

        return longest;
    }

    public void Forget(ResourceKey key)
    {
        foreach (var limiter in _limiters)
        {
            limiter.Forget(key);
        }
    }

    public int NumRequeues(ResourceKey key)
    {
        var most = 0;
        foreach (var limiter in _limiters)
        {
            most = Math.Max(most, limiter.NumRequeues(key));
        }

        return most;
    }
}
