namespace Box.K8sEventReporting.Primitives;

/// <summary>
/// How long to wait before the next attempt of something that failed: <see cref="Initial"/> × <see cref="Factor"/>^failures,
/// capped at <see cref="Cap"/>, plus up to <see cref="Jitter"/> of itself at random (then capped again). Every retry loop
/// of the library computes its delays with this one policy.
/// </summary>
/// <remarks>
/// <para>
/// Jitter only ever adds (as apimachinery's <c>wait.Jitter</c>): a delay is never shorter than the exponential one, so a
/// loop never comes back sooner than its policy says, while replicas that failed together spread out instead of retrying
/// in step. The random sample is a parameter, so tests choose it; <see cref="Delay(int, Random)"/> draws it.
/// </para>
/// <para>
/// A fixed period with jitter is <see cref="Factor"/> 1; a deterministic exponential backoff is <see cref="Jitter"/> 0.
/// </para>
/// </remarks>
/// <param name="Initial">The delay after the first failure; positive.</param>
/// <param name="Factor">What each further failure multiplies the delay by; at least 1.</param>
/// <param name="Jitter">The largest random fraction added to a delay (0.2: up to 20% more); 0 or more.</param>
/// <param name="Cap">The longest delay, jitter included; at least <see cref="Initial"/>.</param>
public readonly record struct BackoffPolicy(TimeSpan Initial, double Factor, double Jitter, TimeSpan Cap)
{
    /// <summary>Returns the delay after <paramref name="failures"/> consecutive failures, with a given random sample.</summary>
    /// <param name="failures">Failures so far, counting the one that just happened: 1 gives <see cref="Initial"/> (0 is taken as 1).</param>
    /// <param name="jitterSample">A number in [0, 1): the fraction of <see cref="Jitter"/> added.</param>
    /// <returns>A delay between <c>min(Initial, Cap)</c> and <see cref="Cap"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The policy or the sample is out of range.</exception>
    public TimeSpan Delay(int failures, double jitterSample)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(Cap, Initial);
        ArgumentOutOfRangeException.ThrowIfLessThan(Factor, 1d);
        ArgumentOutOfRangeException.ThrowIfNegative(Jitter);
        if (double.IsNaN(jitterSample) || jitterSample is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(jitterSample), jitterSample, "The sample must be in [0, 1).");
        }

        // In floating point so that a long run of failures saturates at the cap instead of overflowing.
        var exponent = Math.Max(failures, 1) - 1;
        var ticks = Math.Min(Initial.Ticks * Math.Pow(Factor, exponent), Cap.Ticks);
        ticks = Math.Min(ticks * (1 + (Jitter * jitterSample)), Cap.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Returns the delay after <paramref name="failures"/> consecutive failures, drawing the jitter from <paramref name="random"/>.</summary>
    /// <param name="failures">Failures so far, counting the one that just happened: 1 gives <see cref="Initial"/>.</param>
    /// <param name="random">The source of the jitter sample (a seeded one in tests).</param>
    /// <returns>A delay between <c>min(Initial, Cap)</c> and <see cref="Cap"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="random"/> is <see langword="null"/>.</exception>
    public TimeSpan Delay(int failures, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Delay(failures, Jitter == 0 ? 0 : random.NextDouble());
    }
}
