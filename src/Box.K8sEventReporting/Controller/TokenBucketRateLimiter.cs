using Box.K8sEventReporting.Internal;
using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// An overall token bucket shared by every key (client-go's <c>BucketRateLimiter</c>): up to <c>burst</c> retries at once,
/// then <c>ratePerSecond</c>. Each call reserves a token, possibly in the future, and returns the wait until it is due.
/// </summary>
/// <remarks>A thread-safe adapter over the shared <see cref="TokenBucket"/>, on the <see cref="TimeProvider"/>'s monotonic clock.</remarks>
internal sealed class TokenBucketRateLimiter : IWorkQueueRateLimiter
{
    private readonly object _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly long _startTimestamp;
    private readonly TokenBucket _bucket;

    public TokenBucketRateLimiter(double ratePerSecond, int burst, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ratePerSecond, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _startTimestamp = timeProvider.GetTimestamp();
        _bucket = TokenBucket.WithRate(burst, ratePerSecond, TimeSpan.Zero);
    }

    public TimeSpan When(ResourceKey key)
    {
        lock (_gate)
        {
            return _bucket.Reserve(_timeProvider.GetElapsedTime(_startTimestamp));
        }
    }

    public void Forget(ResourceKey key)
    {
    }

    public int NumRequeues(ResourceKey key) => 0;
}
