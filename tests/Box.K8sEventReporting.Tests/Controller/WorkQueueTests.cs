using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Watching;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Controller;

public sealed class WorkQueueTests : IDisposable
{
    private static readonly ResourceKey KeyA = new("ns", "a");
    private static readonly ResourceKey KeyB = new("ns", "b");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly WorkQueue _queue;

    public WorkQueueTests()
    {
        _queue = new WorkQueue(new ExponentialFailureRateLimiter(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)), _time);
    }

    public void Dispose() => _queue.Dispose();

    [Fact]
    public async Task Add_SameKeyManyTimesBeforeGet_IsHandedOutOnce()
    {
        for (var i = 0; i < 10; i++)
        {
            _queue.Add(KeyA);
        }

        _queue.Add(KeyB);

        Assert.Equal(2, _queue.Count);
        Assert.Equal(KeyA, await GetAsync());
        Assert.Equal(KeyB, await GetAsync());
        Assert.Equal(0, _queue.Count);
    }

    [Fact]
    public async Task GetAsync_KeyAddedWhileProcessing_IsNotHandedToASecondWorker()
    {
        _queue.Add(KeyA);
        var first = await GetAsync();

        _queue.Add(KeyA);
        var second = _queue.GetAsync(CancellationToken.None).AsTask();

        Assert.Equal(KeyA, first);
        Assert.Equal(0, _queue.Count);
        Assert.False(second.IsCompleted);
        _queue.Done(KeyA);
        Assert.Equal(KeyA, await second.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Done_KeyNotAddedWhileProcessing_IsNotHandedOutAgain()
    {
        _queue.Add(KeyA);
        await GetAsync();

        _queue.Done(KeyA);

        Assert.Equal(0, _queue.Count);
        Assert.Equal(0, _queue.ProcessingCount);
    }

    [Fact]
    public async Task Done_KeyAddedManyTimesWhileProcessing_IsHandedOutOnceMore()
    {
        _queue.Add(KeyA);
        await GetAsync();
        _queue.Add(KeyA);
        _queue.Add(KeyA);

        _queue.Done(KeyA);

        Assert.Equal(1, _queue.Count);
        Assert.Equal(KeyA, await GetAsync());
    }

    [Fact]
    public async Task AddAfter_DelayNotElapsed_KeyIsNotReady()
    {
        _queue.AddAfter(KeyA, TimeSpan.FromSeconds(30));

        _time.Advance(TimeSpan.FromSeconds(29));

        Assert.Equal(0, _queue.Count);
        Assert.Equal(1, _queue.WaitingCount);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(KeyA, await GetAsync());
        Assert.Equal(0, _queue.WaitingCount);
    }

    [Fact]
    public void AddAfter_DelayLongerThanATimerTakes_WaitsInsteadOfThrowing()
    {
        // A certificate renewed in 60 days: the system timer refuses due times past ~49.7 days.
        using var queue = new WorkQueue(new ExponentialFailureRateLimiter(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)), TimeProvider.System);

        queue.AddAfter(KeyA, TimeSpan.FromDays(60));

        Assert.Equal(0, queue.Count);
        Assert.Equal(1, queue.WaitingCount);
    }

    [Fact]
    public async Task AddAfter_DelayLongerThanMaxDelay_AddsAfterMaxDelay()
    {
        _queue.AddAfter(KeyA, TimeSpan.FromDays(60));

        _time.Advance(WorkQueue.MaxDelay - TimeSpan.FromSeconds(1));
        Assert.Equal(0, _queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(KeyA, await GetAsync());
    }

    [Fact]
    public void AddAfter_SameKeyTwice_EarlierDueTimeWins()
    {
        _queue.AddAfter(KeyA, TimeSpan.FromSeconds(30));
        _queue.AddAfter(KeyA, TimeSpan.FromSeconds(10));
        _queue.AddAfter(KeyA, TimeSpan.FromSeconds(20));

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(1, _queue.Count);
        Assert.Equal(0, _queue.WaitingCount);
    }

    [Fact]
    public void AddAfter_ZeroDelay_AddsAtOnce()
    {
        _queue.AddAfter(KeyA, TimeSpan.Zero);

        Assert.Equal(1, _queue.Count);
    }

    [Fact]
    public async Task AddRateLimited_RepeatedFailures_DelayDoublesFromFiveMilliseconds()
    {
        var readyAfter = new List<int>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            _queue.AddRateLimited(KeyA);
            var waited = 0;
            while (_queue.Count == 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(1));
                waited++;
            }

            readyAfter.Add(waited);
            await GetAsync();
            _queue.Done(KeyA);
        }

        Assert.Equal([5, 10, 20, 40], readyAfter);
        Assert.Equal(4, _queue.NumRequeues(KeyA));
    }

    [Fact]
    public void Forget_AfterFailures_NextRetryStartsFromBaseDelay()
    {
        _queue.AddRateLimited(KeyA);
        _queue.AddRateLimited(KeyA);
        _queue.AddRateLimited(KeyA);

        _queue.Forget(KeyA);
        _queue.CancelDelayed(KeyA);
        _queue.AddRateLimited(KeyA);

        Assert.Equal(1, _queue.NumRequeues(KeyA));
        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, _queue.Count);
    }

    [Fact]
    public void CancelDelayed_PendingKey_IsNeverAdded()
    {
        _queue.AddAfter(KeyA, TimeSpan.FromMinutes(5));

        _queue.CancelDelayed(KeyA);
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(0, _queue.Count);
        Assert.Equal(0, _queue.WaitingCount);
    }

    [Fact]
    public async Task ShutDown_KeysAlreadyQueued_AreStillHandedOutThenNull()
    {
        _queue.Add(KeyA);
        _queue.AddAfter(KeyB, TimeSpan.FromSeconds(1));

        _queue.ShutDown();
        _queue.Add(KeyB);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(KeyA, await GetAsync());
        Assert.Null(await _queue.GetAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task ShutDownWithDrainAsync_KeyInProcessing_WaitsForDone()
    {
        _queue.Add(KeyA);
        await GetAsync();

        var drain = _queue.ShutDownWithDrainAsync(CancellationToken.None);

        Assert.False(drain.IsCompleted);
        _queue.Done(KeyA);
        Assert.True(await drain.WaitAsync(Timeout));
    }

    [Fact]
    public async Task ShutDownWithDrainAsync_DeadlinePasses_ReturnsFalse()
    {
        _queue.Add(KeyA);
        await GetAsync();
        using var deadline = new CancellationTokenSource();

        var drain = _queue.ShutDownWithDrainAsync(deadline.Token);
        await deadline.CancelAsync();

        Assert.False(await drain.WaitAsync(Timeout));
    }

    [Fact]
    public async Task GetAsync_ManyWorkersManyAdds_NoKeyIsProcessedTwiceAtOnce()
    {
        var keys = Enumerable.Range(0, 5).Select(i => new ResourceKey("ns", $"k{i}")).ToArray();
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<ResourceKey, int>();
        var overlaps = 0;
        var processed = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (await _queue.GetAsync(stop.Token) is { } key)
            {
                if (inFlight.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                await Task.Yield();
                inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
                Interlocked.Increment(ref processed);
                _queue.Done(key);
            }
        })).ToArray();

        for (var i = 0; i < 2000; i++)
        {
            _queue.Add(keys[i % keys.Length]);
        }

        _queue.ShutDown();
        await Task.WhenAll(workers).WaitAsync(Timeout);

        Assert.Equal(0, overlaps);
        Assert.InRange(processed, keys.Length, 2000);
        Assert.Equal(0, _queue.ProcessingCount);
    }

    private async Task<ResourceKey?> GetAsync() => await _queue.GetAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
}
