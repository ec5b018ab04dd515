using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// An overall token bucket shared by every key (client-go's <c>BucketRateLimiter</c>): up to <c>burst</c> retries at once,
/// then <c>ratePerSecond</c>. Each call reserves a token, possibly in the future, and returns the wait until it is due.
/// </summary>
/// <remarks>
/// Hand-written rather than System.Threading.RateLimiting's <c>TokenBucketRateLimiter</c>: that one replenishes on its own
/// timer, cannot be driven by a <see cref="TimeProvider"/>, and would add a package dependency.
/// </remarks>
internal sealed class TokenBucketRateLimiter : IWorkQueueRateLimiter
{
    private readonly object _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly double _ratePerSecond;
    private readonly double _burst;
    private double _tokens;
    private long _lastTimestamp;

    public TokenBucketRateLimiter(double ratePerSecond, int burst, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ratePerSecond, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _ratePerSecond = ratePerSecond;
        _burst = burst;
        _tokens = burst;
        _timeProvider = timeProvider;
        _lastTimestamp = timeProvider.GetTimestamp();
    }

    public TimeSpan When(ResourceKey key)
    {
        lock (_gate)
        {
            var now = _timeProvider.GetTimestamp();
            var elapsed = _timeProvider.GetElapsedTime(_lastTimestamp, now);
            _lastTimestamp = now;
            _tokens = Math.Min(_burst, _tokens + (elapsed.TotalSeconds * _ratePerSecond));
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _ratePerSecond);
        }
    }

    public void Forget(ResourceKey key)
    {
    }

    public int NumRequeues(ResourceKey key) => 0;
}
