using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Controller;

/// <summary>Per-key exponential backoff: base, 2×base, 4×base, … capped at a maximum (no reset but <see cref="Forget"/>).</summary>
/// <remarks>
/// Without jitter, as controller-runtime's per-item limiter: retries of one key are already spread by the keys' own
/// failure times, and the overall bucket (<see cref="TokenBucketRateLimiter"/>) paces the queue.
/// </remarks>
internal sealed class ExponentialFailureRateLimiter : IWorkQueueRateLimiter
{
    private readonly Dictionary<ResourceKey, int> _failures = [];
    private readonly BackoffPolicy _policy;

    public ExponentialFailureRateLimiter(TimeSpan baseDelay, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(baseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, baseDelay);
        _policy = new BackoffPolicy(baseDelay, 2, 0, maxDelay);
    }

    public TimeSpan When(ResourceKey key)
    {
        int failures;
        lock (_failures)
        {
            _failures.TryGetValue(key, out failures);
            failures = failures == int.MaxValue ? failures : failures + 1;
            _failures[key] = failures;
        }

        return _policy.Delay(failures, 0);
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
