using Box.K8sEventReporting.Internal;
using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Controller;

/// <summary>Per-key exponential backoff: base, 2×base, 4×base, … capped at a maximum (no jitter, no reset but <see cref="Forget"/>).</summary>
internal sealed class ExponentialFailureRateLimiter : IWorkQueueRateLimiter
{
    private readonly Dictionary<ResourceKey, int> _failures = [];
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;

    public ExponentialFailureRateLimiter(TimeSpan baseDelay, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(baseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, baseDelay);
        _baseDelay = baseDelay;
        _maxDelay = maxDelay;
    }

    public TimeSpan When(ResourceKey key)
    {
        int exponent;
        lock (_failures)
        {
            _failures.TryGetValue(key, out exponent);
            _failures[key] = exponent == int.MaxValue ? exponent : exponent + 1;
        }

        return Backoff.Exponential(_baseDelay, exponent, _maxDelay);
    }

    public void Forget(ResourceKey key)
    {
        lock (_failures)
        {
            _failures.Remove(key);
        }
    }

    public int NumRequeues(ResourceKey key)
    {
        lock (_failures)
        {
            return _failures.TryGetValue(key, out var count) ? count : 0;
        }
    }
}
