using Box.K8sEventReporting.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Internal;

public sealed class TokenBucketTests
{
    [Theory]
    [InlineData(25, 300, 0, 25)]     // client-go: a burst of 25
    [InlineData(25, 300, 299, 25)]   // not a full token later
    [InlineData(25, 300, 300, 26)]   // one more after 5 minutes
    [InlineData(25, 300, 3000, 35)]  // ten more after 50 minutes
    [InlineData(3, 1, 1000, 3 + 3)]  // never more than the burst in the bucket
    public void TryTake_AfterElapsed_AllowsBurstPlusRefill(int burst, int refillSeconds, int elapsedSeconds, int expectedAllowed)
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        var bucket = TokenBucket.WithRefillInterval(burst, TimeSpan.FromSeconds(refillSeconds), time.GetElapsedTime(start));
        var allowed = 0;
        while (bucket.TryTake(time.GetElapsedTime(start)))
        {
            allowed++;
        }

        time.Advance(TimeSpan.FromSeconds(elapsedSeconds));
        while (bucket.TryTake(time.GetElapsedTime(start)))
        {
            allowed++;
        }

        Assert.Equal(expectedAllowed, allowed);
    }

    [Fact]
    public void TryTake_EarlierPosition_AddsNothing()
    {
        var bucket = TokenBucket.WithRefillInterval(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.True(bucket.TryTake(TimeSpan.FromSeconds(10)));

        var taken = bucket.TryTake(TimeSpan.FromSeconds(5));

        Assert.False(taken);
    }

    [Theory]
    [InlineData(10, 2, 0, new[] { 0, 0, 100, 200 })]       // burst spent: each reservation waits one more 1/rate
    [InlineData(10, 2, 1000, new[] { 0, 0, 100, 200 })]    // refill never exceeds the burst
    [InlineData(4, 1, 0, new[] { 0, 250, 500 })]
    [InlineData(0.5, 1, 0, new[] { 0, 2000, 4000 })]
    public void Reserve_Table_ReturnsWaitUntilTokenIsDue(double ratePerSecond, int burst, int idleMilliseconds, int[] expectedMilliseconds)
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        var bucket = TokenBucket.WithRate(burst, ratePerSecond, TimeSpan.Zero);
        time.Advance(TimeSpan.FromMilliseconds(idleMilliseconds));

        var waits = expectedMilliseconds.Select(_ => bucket.Reserve(time.GetElapsedTime(start))).ToArray();

        Assert.Equal(expectedMilliseconds.Select(ms => TimeSpan.FromMilliseconds(ms)), waits);
    }

    [Fact]
    public void Reserve_DebtRepaidByTime_NextIsFree()
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        var bucket = TokenBucket.WithRate(1, 10, TimeSpan.Zero);
        bucket.Reserve(time.GetElapsedTime(start));
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.Reserve(time.GetElapsedTime(start)));

        time.Advance(TimeSpan.FromMilliseconds(200));

        Assert.Equal(TimeSpan.Zero, bucket.Reserve(time.GetElapsedTime(start)));
    }
}
