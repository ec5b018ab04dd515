using Box.K8sEventReporting.Primitives;

namespace Box.K8sEventReporting.Tests.Primitives;

public sealed class BackoffPolicyTests
{
    private static readonly BackoffPolicy Exponential = new(TimeSpan.FromMilliseconds(5), 2, 0, TimeSpan.FromSeconds(1000));

    [Theory]
    [InlineData(0, 5)]                 // taken as the first failure
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(10, 2560)]
    [InlineData(19, 1_000_000)]        // capped
    [InlineData(1_000, 1_000_000)]     // saturates instead of overflowing
    [InlineData(int.MaxValue, 1_000_000)]
    public void Delay_NoJitter_MultipliesPerFailureUpToCap(int failures, long expectedMilliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), Exponential.Delay(failures, 0.5));
    }

    [Theory]
    [InlineData(0.0, 1000)]
    [InlineData(0.5, 1100)]
    [InlineData(0.999999, 1200)]
    public void Delay_WithJitter_OnlyAddsUpToTheFraction(double sample, double expectedMilliseconds)
    {
        var policy = new BackoffPolicy(TimeSpan.FromSeconds(1), 2, 0.2, TimeSpan.FromMinutes(1));

        Assert.Equal(expectedMilliseconds, policy.Delay(1, sample).TotalMilliseconds, 0.5);
    }

    [Fact]
    public void Delay_JitterAtTheCap_NeverPassesTheCap()
    {
        var policy = new BackoffPolicy(TimeSpan.FromSeconds(1), 2, 0.5, TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromSeconds(3), policy.Delay(3, 0.999));
    }

    [Fact]
    public void Delay_FactorOne_IsAFixedPeriodWithJitter()
    {
        var policy = new BackoffPolicy(TimeSpan.FromSeconds(2), 1, 1.2, TimeSpan.FromSeconds(2) * 2.2);

        Assert.Equal(TimeSpan.FromSeconds(2), policy.Delay(5, 0));
        Assert.Equal(4.4, policy.Delay(9, 0.999999).TotalSeconds, 3);
    }

    [Fact]
    public void Delay_SeededRandom_IsDeterministic()
    {
        var policy = new BackoffPolicy(TimeSpan.FromSeconds(1), 2, 0.2, TimeSpan.FromMinutes(1));

        Assert.Equal(policy.Delay(3, new Random(7)), policy.Delay(3, new Random(7)));
        Assert.InRange(policy.Delay(3, new Random(7)), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4.8));
    }

    [Theory]
    [InlineData(0, 2, 0, 1)]      // no initial delay
    [InlineData(2, 2, 0, 1)]      // cap below initial
    [InlineData(1, 0.5, 0, 1)]    // shrinking
    [InlineData(1, 2, -0.1, 1)]   // negative jitter
    public void Delay_InvalidPolicy_Throws(int initialSeconds, double factor, double jitter, int capSeconds)
    {
        var policy = new BackoffPolicy(TimeSpan.FromSeconds(initialSeconds), factor, jitter, TimeSpan.FromSeconds(capSeconds));

        Assert.Throws<ArgumentOutOfRangeException>(() => policy.Delay(1, 0));
    }

    [Fact]
    public void Delay_SampleOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Exponential.Delay(1, 1.0));
    }
}
