using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Watching;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Controller;

public sealed class RateLimiterTests
{
    private static readonly ResourceKey Key = new("ns", "a");

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(10, 2560)]
    [InlineData(19, 1_000_000)]
    [InlineData(200, 1_000_000)]
    public void ExponentialFailureRateLimiter_NthFailure_WaitsBaseTimesTwoToTheNMinusOneCapped(int failures, long expectedMilliseconds)
    {
        var limiter = new ExponentialFailureRateLimiter(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));

        var delay = TimeSpan.Zero;
        for (var i = 0; i < failures; i++)
        {
            delay = limiter.When(Key);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), delay);
        Assert.Equal(failures, limiter.NumRequeues(Key));
    }

    [Fact]
    public void ExponentialFailureRateLimiter_OtherKey_HasItsOwnBackoff()
    {
        var limiter = new ExponentialFailureRateLimiter(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        limiter.When(Key);
        limiter.When(Key);

        var other = limiter.When(new ResourceKey("ns", "b"));

        Assert.Equal(TimeSpan.FromMilliseconds(5), other);
    }

    [Fact]
    public void TokenBucketRateLimiter_BurstSpent_NextWaitsOneOverRate()
    {
        var time = new FakeTimeProvider();
        var limiter = new TokenBucketRateLimiter(10, 100, time);

        var burst = Enumerable.Range(0, 100).Select(_ => limiter.When(Key)).ToArray();
        var next = limiter.When(Key);
        var afterThat = limiter.When(Key);

        Assert.All(burst, d => Assert.Equal(TimeSpan.Zero, d));
        Assert.Equal(TimeSpan.FromMilliseconds(100), next);
        Assert.Equal(TimeSpan.FromMilliseconds(200), afterThat);
    }

    [Fact]
    public void TokenBucketRateLimiter_TimePasses_RefillsAtRateUpToBurst()
    {
        var time = new FakeTimeProvider();
        var limiter = new TokenBucketRateLimiter(10, 100, time);
        for (var i = 0; i < 100; i++)
        {
            limiter.When(Key);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var refilled = Enumerable.Range(0, 10).Select(_ => limiter.When(Key)).ToArray();

        Assert.All(refilled, d => Assert.Equal(TimeSpan.Zero, d));
        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.When(Key));
    }

    [Fact]
    public void MaxOfRateLimiter_Defaults_TakesTheLongerOfBackoffAndBucket()
    {
        var time = new FakeTimeProvider();
        var limiter = MaxOfRateLimiter.CreateDefault(new ControllerOptions(), time);

        var first = limiter.When(Key);
        for (var i = 0; i < 99; i++)
        {
            limiter.When(new ResourceKey("ns", $"other{i}"));
        }

        var bucketBound = limiter.When(new ResourceKey("ns", "fresh"));

        Assert.Equal(TimeSpan.FromMilliseconds(5), first);
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucketBound);
        limiter.Forget(Key);
        Assert.Equal(0, limiter.NumRequeues(Key));
    }
}
