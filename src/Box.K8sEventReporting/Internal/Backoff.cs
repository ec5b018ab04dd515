namespace Box.K8sEventReporting.Internal;

/// <summary>The exponential delay shared by every backoff in the library: <c>base × 2^exponent</c>, capped.</summary>
/// <remarks>
/// Callers keep what differs between them: when the count starts over (watch loop), per-key failure counts (work queue),
/// the jitter they apply and <c>Retry-After</c> (event writes).
/// </remarks>
internal static class Backoff
{
    /// <summary>Computes <c>min(<paramref name="maxDelay"/>, <paramref name="baseDelay"/> × 2^<paramref name="exponent"/>)</c>.</summary>
    /// <param name="baseDelay">The delay for exponent 0.</param>
    /// <param name="exponent">How many times the delay has doubled; computed in floating point so that large values saturate at <paramref name="maxDelay"/>.</param>
    /// <param name="maxDelay">The longest delay.</param>
    /// <returns>The capped delay.</returns>
    public static TimeSpan Exponential(TimeSpan baseDelay, int exponent, TimeSpan maxDelay)
    {
        var ticks = baseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
