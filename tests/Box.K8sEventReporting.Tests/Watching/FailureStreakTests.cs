using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Watching;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Watching;

public class FailureStreakTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Fact]
    public void NextDelay_NoJitter_DoublesUpToMax()
    {
        var backoff = new FailureStreak(new BackoffPolicy(Initial, 2, 0, Max), TimeSpan.FromMinutes(2), new FakeTimeProvider(), new Random(1));

        var delays = Enumerable.Range(0, 8).Select(_ => backoff.NextDelay().TotalSeconds).ToArray();

        Assert.Equal([0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30], delays);
    }

    [Fact]
    public void NextDelay_WithJitter_StaysWithinBaseAndBasePlusJitterCappedAtMax()
    {
        var backoff = new FailureStreak(new BackoffPolicy(Initial, 2, 0.5, Max), TimeSpan.FromMinutes(2), new FakeTimeProvider(), new Random(42));
        var expectedBase = new[] { 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30 };

        var delays = expectedBase.Select(_ => backoff.NextDelay().TotalSeconds).ToArray();

        for (var i = 0; i < delays.Length; i++)
        {
            Assert.InRange(delays[i], expectedBase[i], Math.Min(30, expectedBase[i] * 1.5));
        }

        Assert.Contains(delays.Take(5), d => !expectedBase.Contains(d));
    }

    [Fact]
    public void NextDelay_AfterHealthyPeriod_StartsOverFromInitial()
    {
        var time = new FakeTimeProvider();
        var backoff = new FailureStreak(new BackoffPolicy(Initial, 2, 0, Max), TimeSpan.FromMinutes(2), time, new Random(1));
        backoff.NextDelay();
        backoff.NextDelay();
        backoff.NextDelay();

        time.Advance(TimeSpan.FromMinutes(2));
        var delay = backoff.NextDelay();

        Assert.Equal(Initial, delay);
    }

    [Fact]
    public void NextDelay_FailuresWithinHealthyPeriod_KeepGrowing()
    {
        var time = new FakeTimeProvider();
        var backoff = new FailureStreak(new BackoffPolicy(Initial, 2, 0, Max), TimeSpan.FromMinutes(2), time, new Random(1));
        backoff.NextDelay();

        time.Advance(TimeSpan.FromSeconds(119));
        var delay = backoff.NextDelay();

        Assert.Equal(TimeSpan.FromMilliseconds(1600), delay);
    }

    [Fact]
    public void Reset_AfterFailures_NextDelayIsInitial()
    {
        var backoff = new FailureStreak(new BackoffPolicy(Initial, 2, 0, Max), TimeSpan.FromMinutes(2), new FakeTimeProvider(), new Random(1));
        backoff.NextDelay();
        backoff.NextDelay();

        backoff.Reset();

        Assert.Equal(Initial, backoff.NextDelay());
    }
}
