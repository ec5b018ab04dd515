using Box.K8sEventReporting.Primitives;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// The consecutive failures of one list+watch loop, forgotten after a healthy period (like client-go's
/// <c>NewExponentialBackoffManager</c>); each delay comes from the loop's <see cref="BackoffPolicy"/>. Not thread-safe:
/// one instance per loop.
/// </summary>
internal sealed class FailureStreak
{
    private readonly BackoffPolicy policy;
    private readonly TimeSpan resetAfter;
    private readonly TimeProvider timeProvider;
    private readonly Random random;
    private int attempt;
    private long lastFailureTimestamp;
    private bool hasFailed;

    public FailureStreak(BackoffPolicy policy, TimeSpan resetAfter, TimeProvider timeProvider, Random random)
    {
        this.policy = policy;
        this.resetAfter = resetAfter;
        this.timeProvider = timeProvider;
        this.random = random;
    }

    /// <summary>Gets the number of failures counted since the last reset.</summary>
    public int Attempt => attempt;

    /// <summary>Records a failure and returns how long to wait before the next attempt.</summary>
    /// <returns>A delay between the policy's initial delay and its cap.</returns>
    public TimeSpan NextDelay()
    {
        var now = timeProvider.GetTimestamp();
        if (hasFailed && timeProvider.GetElapsedTime(lastFailureTimestamp, now) >= resetAfter)
        {
            attempt = 0;
        }

        hasFailed = true;
        lastFailureTimestamp = now;
        if (attempt < int.MaxValue)
        {
            attempt++;
        }

        return policy.Delay(attempt, random);
    }

    /// <summary>Forgets every failure so that the next delay is the initial one again.</summary>
    public void Reset()
    {
        attempt = 0;
        hasFailed = false;
    }
}
