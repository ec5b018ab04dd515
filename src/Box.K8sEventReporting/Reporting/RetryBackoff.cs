using Box.K8sEventReporting.Internal;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Exponential backoff with jitter, honouring the server's <c>Retry-After</c>.</summary>
internal static class RetryBackoff
{
    /// <summary>Computes the delay before attempt <paramref name="attempt"/> + 1.</summary>
    /// <param name="attempt">The attempt that just failed, from 1.</param>
    /// <param name="baseDelay">The delay after the first attempt.</param>
    /// <param name="maxDelay">The longest computed delay.</param>
    /// <param name="retryAfter">The server's Retry-After, honoured up to six times <paramref name="maxDelay"/>.</param>
    /// <param name="jitterSample">A sample in [0, 1): the delay is scaled by 0.75 to 1.25.</param>
    /// <returns>The delay.</returns>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, TimeSpan? retryAfter, double jitterSample)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var ticks = Backoff.Exponential(baseDelay, exponent, maxDelay).Ticks;
        var delay = TimeSpan.FromTicks((long)(ticks * (0.75 + (jitterSample * 0.5))));
        if (retryAfter is { } after && after > delay)
        {
            var cap = maxDelay * 6;
            delay = after < cap ? after : cap;
        }

        return delay;
    }
}
