using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Controller;

public sealed class ResourceControllerTests
{
    [Fact]
    public async Task Reconcile_InvalidResource_ReportsAndRevalidatesAfterInterval()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();

        h.Watcher.Add(Widget.Create("a", "bad"));
        await Eventually.TrueAsync(() => h.Controller.Queue.WaitingCount == 1, "the invalid widget waits for revalidation");
        h.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var beforeInterval = h.Reporter.CountOf("invalid a");
        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, beforeInterval);
        await Eventually.TrueAsync(() => h.Reporter.CountOf("invalid a InvalidServiceName") == 2, "it is reported again after 5 minutes");
        Assert.Equal(0, h.ReconcileCount("a"));
    }

    [Fact]
    public async Task Reconcile_ValidResource_RunsReconcilerThenReportsValid()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();

        h.Watcher.Add(Widget.Create("a"));

        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid a") == 1, "the widget is reported valid");
        Assert.Equal(1, h.ReconcileCount("a"));
        Assert.Equal(0, h.Controller.Queue.WaitingCount);
    }

    [Fact]
    public async Task Reconcile_ReconcilerAsksToRequeue_ReconcilesAgainAfterDelay()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        h.OnReconcile = w => ValueTask.FromResult(h.ReconcileCount("a") == 1 ? ReconcileResult.Requeue(TimeSpan.FromSeconds(30)) : ReconcileResult.Done);

        h.Watcher.Add(Widget.Create("a"));
        await Eventually.TrueAsync(() => h.Controller.Queue.WaitingCount == 1, "the widget waits 30 s");
        h.Time.Advance(TimeSpan.FromSeconds(30));

        await Eventually.TrueAsync(() => h.ReconcileCount("a") == 2, "it is reconciled again");
    }

    [Fact]
    public async Task Reconcile_ReconcilerReportsAResourceError_IsReportedAsInvalidAndRevalidatedUntilItClears()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        var conflict = true;
        h.OnReconcile = _ => ValueTask.FromResult(Volatile.Read(ref conflict)
            ? ReconcileResult.Invalid(new ValidationFailure("metadata.name", "SecretConflict", "Secret ns/a already exists"))
            : ReconcileResult.Done);

        h.Watcher.Add(Widget.Create("a"));
        await Eventually.TrueAsync(() => h.Controller.Queue.WaitingCount == 1, "the widget in conflict waits for revalidation");
        h.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var beforeInterval = h.Reporter.Calls.ToArray();
        Volatile.Write(ref conflict, false);
        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["invalid a SecretConflict"], beforeInterval);
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid a") == 1, "the conflict clears by itself at the next revalidation");
        Assert.Equal(2, h.ReconcileCount("a"));
        Assert.Equal(0, h.Controller.Queue.WaitingCount);
    }

    [Fact]
    public void ReconcileResult_Invalid_NeedsAFailure()
    {
        Assert.Throws<ArgumentException>(() => ReconcileResult.Invalid());
        Assert.Empty(ReconcileResult.Done.Failures);
        Assert.Equal("R", Assert.Single(ReconcileResult.Invalid(new ValidationFailure("f", "R", "m")).Failures).Reason);
    }

    [Fact]
    public async Task Reconcile_ReconcilerThrows_ReportsAndRetriesWithBackoffWithoutStoppingTheLoop()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        h.OnReconcile = w => h.ReconcileCount("a") <= 2 && w.Metadata.Name == "a"
            ? throw new InvalidOperationException("boom")
            : ValueTask.FromResult(ReconcileResult.Done);

        h.Watcher.Add(Widget.Create("a"));
        await Eventually.TrueAsync(() => h.Controller.Queue.WaitingCount == 1, "the failed widget waits for its first retry");
        h.Watcher.Add(Widget.Create("b"));
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid b") == 1, "another widget is still reconciled");
        h.Time.Advance(TimeSpan.FromMilliseconds(5));
        await Eventually.TrueAsync(() => h.Reporter.CountOf("error a") == 2 && h.Controller.Queue.WaitingCount == 1, "the first retry fails too");
        h.Time.Advance(TimeSpan.FromMilliseconds(9));
        var beforeSecondBackoff = h.ReconcileCount("a");
        h.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(2, beforeSecondBackoff);
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid a") == 1, "the second retry, 10 ms later, succeeds");
        await h.WaitIdleAsync("the loop has handled the success (it is reported before the queue hears of it)");
        Assert.Contains("error a boom", h.Reporter.Calls);
        Assert.Equal(0, h.Controller.Queue.NumRequeues(new ResourceKey("ns", "a")));
    }

    [Fact]
    public async Task Reconcile_TerminalError_IsReportedAndNotRetried()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        h.OnReconcile = _ => throw new TerminalReconcileException("cannot ever work");

        h.Watcher.Add(Widget.Create("a"));
        await Eventually.TrueAsync(() => h.Reporter.CountOf("terminal a cannot ever work") == 1, "the terminal error is reported");
        await h.WaitIdleAsync("the loop is idle");
        h.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, h.Controller.Queue.WaitingCount);
        Assert.Equal(1, h.ReconcileCount("a"));
    }

    [Fact]
    public async Task Reconcile_ValidatorThrows_RetriesWithBackoff()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        var calls = 0;
        h.OnValidate = _ => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("validator down") : ValidationResult.Success;

        h.Watcher.Add(Widget.Create("a"));
        await Eventually.TrueAsync(() => h.Controller.Queue.WaitingCount == 1, "the widget waits for a retry");
        h.Time.Advance(TimeSpan.FromMilliseconds(5));

        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid a") == 1, "the retry succeeds");
        Assert.Equal(1, h.Reporter.CountOf("error a validator down"));
    }

    [Fact]
    public async Task OnChange_ResourceDeleted_StopsRevalidation()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        var widget = Widget.Create("a", "bad");
        h.Watcher.Add(widget);
        await Eventually.TrueAsync(() => h.Controller.Queue.WaitingCount == 1, "the invalid widget waits for revalidation");

        h.Watcher.Delete(widget);
        await Eventually.TrueAsync(() => h.Controller.Queue.WaitingCount == 0, "the pending revalidation is dropped");
        await h.WaitIdleAsync("the deletion is processed");
        h.Time.Advance(TimeSpan.FromMinutes(30));
        await h.WaitIdleAsync("nothing else runs");

        Assert.Equal(1, h.Reporter.CountOf("invalid a"));
    }

    [Fact]
    public async Task OnChange_StatusOnlyChangeWithSameGeneration_IsNotReconciledAgain()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        var widget = Widget.Create("a", generation: 3);
        h.Watcher.Add(widget);
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid a") == 1, "the widget is reconciled");

        h.Watcher.Modify(widget.With(generation: 3));
        h.Watcher.Add(Widget.Create("b"));
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid b") == 1, "a later change is processed");
        await h.WaitIdleAsync("the loop is idle");

        Assert.Equal(1, h.ReconcileCount("a"));
    }

    [Fact]
    public async Task OnChange_LateNotificationOfAnAlreadyReconciledVersion_IsNotReconciledAgain()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        var widget = Widget.Create("a");
        widget.Metadata.ResourceVersion = "7";
        h.Watcher.SetQuietly(widget);                      // in the cache before its consumer notification arrives
        h.Controller.RequeueAll();
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid a") == 1, "the widget is reconciled from the cache");

        h.Watcher.Publish(new ResourceChange<Widget>(ResourceChangeType.Added, widget));
        h.Watcher.Add(Widget.Create("b"));
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid b") == 1, "a later change is processed");
        await h.WaitIdleAsync("the loop is idle");

        Assert.Equal(1, h.ReconcileCount("a"));
    }

    [Fact]
    public async Task OnChange_NewVersionAfterReconcile_IsReconciledAgain()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        var widget = Widget.Create("a");
        widget.Metadata.ResourceVersion = "7";
        h.Watcher.Add(widget);
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid a") == 1, "the widget is reconciled");

        var changed = Widget.Create("a", generation: 2);
        changed.Metadata.ResourceVersion = "8";
        h.Watcher.Modify(changed);

        await Eventually.TrueAsync(() => h.ReconcileCount("a") == 2, "the new version is reconciled");
    }

    [Fact]
    public async Task OnChange_SpecChangeWithNewGeneration_IsReconciledAgain()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        var widget = Widget.Create("a", generation: 3);
        h.Watcher.Add(widget);
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid a") == 1, "the widget is reconciled");

        h.Watcher.Modify(widget.With(serviceName: "bad", generation: 4));

        await Eventually.TrueAsync(() => h.Reporter.CountOf("invalid a") == 1, "the new generation is validated");
    }

    [Theory]
    [InlineData(1L, 1L, true)]
    [InlineData(1L, 2L, false)]
    [InlineData(null, 1L, false)]
    [InlineData(null, null, false)]
    public void GenerationChanged_Generations_SkipsOnlyWhenBothKnownAndEqual(long? oldGeneration, long? newGeneration, bool skipped)
    {
        var old = Widget.Create("a");
        old.Metadata.Generation = oldGeneration;
        var current = Widget.Create("a");
        current.Metadata.Generation = newGeneration;

        Assert.Equal(!skipped, PrimarySource<Widget>.GenerationChanged(old, current));
    }

    [Fact]
    public async Task SecondaryWatch_PodAppearsForInvalidResource_ReportsWithoutWaitingForTheInterval()
    {
        await using var h = new ControllerHarness(withPods: true).StartPump().StartWorkers();
        h.Watcher.Add(Widget.Create("a", "bad"));
        await Eventually.TrueAsync(() => h.Reporter.CountOf("invalid a") == 1, "the widget is reported");

        h.Pods.Add(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns", Labels = new Dictionary<string, string> { ["widget"] = "a" } },
        });

        await Eventually.TrueAsync(() => h.Reporter.CountOf("invalid a") == 2, "the new pod triggers a report at once");
    }

    [Fact]
    public async Task RequeueAll_AfterConfigurationChange_RevalidatesEveryResource()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        h.Watcher.Add(Widget.Create("a"));
        h.Watcher.Add(Widget.Create("b"));
        h.Watcher.Add(Widget.Create("c"));
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid") == 3, "every widget is reconciled");
        h.OnValidate = _ => ValidationResult.Fail(new ValidationFailure("spec.serviceName", "NameNotAllowed", "not allowed any more"));

        h.Controller.RequeueAll();

        await Eventually.TrueAsync(() => h.Reporter.CountOf("invalid") == 3, "every widget is revalidated against the new rules");
    }

    [Fact]
    public async Task RequeueAll_WatchDeliversTheSameVersionWhileAWorkerTakesIt_IsReconciledOnce()
    {
        // A new leader queues the whole cache; the watch's own notice of the same object (its initial list, read late by a
        // busy pump) arrives after the one worker took the key and before it read the cache.
        await using var h = new ControllerHarness(new ControllerOptions { Workers = 1 });
        var widget = Widget.Create("a");
        widget.Metadata.ResourceVersion = "7";
        var marker = Widget.Create("m");
        marker.Metadata.ResourceVersion = "8";
        h.Watcher.SetQuietly(widget);
        h.StartPump();
        await h.Watcher.Subscribed;
        var late = 0;
        h.Watcher.OnGet = key =>
        {
            if (key.Name == "a" && Interlocked.Exchange(ref late, 1) == 0)
            {
                h.Watcher.Publish(new ResourceChange<Widget>(ResourceChangeType.Added, widget));
                h.Watcher.Add(marker);
                Assert.True(SpinWait.SpinUntil(() => h.Controller.Queue.Count >= 1, TimeSpan.FromSeconds(10)), "the pump read both notices");
            }
        };
        h.Controller.RequeueAll();

        h.StartWorkers();

        await Eventually.TrueAsync(() => h.ReconcileCount("m") >= 1, "the marker is reconciled");
        await h.WaitIdleAsync("nothing is left to reconcile");
        Assert.Equal(1, h.ReconcileCount("a"));
    }

    [Fact]
    public async Task ReconcileOnUpdate_PredicateLetsLabelChangesThrough_ReconcilesThemButNotOtherUpdates()
    {
        var watcher = new FakeWatcher<Widget>();
        var source = new PrimarySource<Widget>(
            watcher, static (old, current) => Tier(old) != Tier(current), "Widget", Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        using var queue = new WorkQueue(new ExponentialFailureRateLimiter(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1)), TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var pump = source.RunAsync(queue, stop.Token);
        var widget = Widget.Create("a");
        watcher.Add(widget);
        await Eventually.TrueAsync(() => queue.Count == 1, "the new widget is queued");
        Assert.Equal(new ResourceKey("ns", "a"), await queue.GetAsync(CancellationToken.None));
        queue.Done(new ResourceKey("ns", "a"));

        var newSpec = widget.With(serviceName: "other", generation: 2);
        watcher.Modify(newSpec);                                      // a new generation, same label: not through this predicate
        watcher.Add(Widget.Create("marker"));
        await Eventually.TrueAsync(() => queue.Count == 1, "the marker is queued");
        Assert.Equal(new ResourceKey("ns", "marker"), await queue.GetAsync(CancellationToken.None));
        queue.Done(new ResourceKey("ns", "marker"));
        var relabelled = newSpec.With();
        relabelled.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "gold" };
        watcher.Modify(relabelled);

        await Eventually.TrueAsync(() => queue.Count == 1, "the label change is queued");
        Assert.Equal(new ResourceKey("ns", "a"), await queue.GetAsync(CancellationToken.None));
        await stop.CancelAsync();
        await pump;
    }

    private static string? Tier(Widget widget) => widget.Metadata.Labels is { } labels && labels.TryGetValue("tier", out var tier) ? tier : null;

    [Fact]
    public async Task RunEventPumpAsync_WithoutWorkers_QueuesButDoesNotReconcile()
    {
        await using var h = new ControllerHarness().StartPump();
        h.Watcher.Add(Widget.Create("a"));
        await Eventually.TrueAsync(() => h.Controller.Queue.Count == 1, "the change is queued");

        Assert.Empty(h.Reporter.Calls);
        h.StartWorkers();
        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid a") == 1, "workers, once started, reconcile it");
    }

    [Fact]
    public async Task RunWorkersAsync_Cancelled_CancelsReconcileInFlightAndTakesNoMoreKeys()
    {
        await using var h = new ControllerHarness(new ControllerOptions { Workers = 1 }).StartPump().StartWorkers();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.OnReconcileWithToken = async (w, ct) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, h.Time, ct);
            return ReconcileResult.Done;
        };
        h.Watcher.Add(Widget.Create("a"));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        h.Watcher.Add(Widget.Create("b"));
        await Eventually.TrueAsync(() => h.Controller.Queue.Count == 1, "b is queued behind a");

        await h.StopWorkersAsync();

        Assert.Equal(0, h.ReconcileCount("b"));
        Assert.Equal(0, h.Controller.Queue.ProcessingCount);
        Assert.Equal(0, h.Reporter.CountOf("error"));
    }

    [Fact]
    public async Task OnChange_DecodeFailedWhileLeading_ReportsOnTheObject()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        await Eventually.TrueAsync(() => h.Controller.IsLeadingForTests, "workers are running");

        h.Watcher.Publish(new ResourceChange<Widget>(
            ResourceChangeType.DecodeFailed,
            null,
            DecodeFailure: new ResourceDecodeFailure("ns", "broken", "uid-1", "7", "{}", "spec.serviceName: expected string")));

        await Eventually.TrueAsync(() => h.Reporter.CountOf("decode broken") == 1, "the bad object gets an Event");
    }

    [Fact]
    public async Task OnChange_DecodeFailedWhileStandby_ReportedWhenLeadingStarts()
    {
        await using var h = new ControllerHarness().StartPump();
        h.Watcher.Publish(new ResourceChange<Widget>(
            ResourceChangeType.DecodeFailed,
            null,
            DecodeFailure: new ResourceDecodeFailure("ns", "broken", "uid-1", "7", "{}", "spec.serviceName: expected string")));
        h.Watcher.Add(Widget.Create("marker"));
        await Eventually.TrueAsync(() => h.Controller.Queue.Count == 2, "the standby has queued both (the bad object waits for a leader)");
        var whileStandby = h.Reporter.CountOf("decode broken");

        h.StartWorkers();

        Assert.Equal(0, whileStandby);
        await Eventually.TrueAsync(() => h.Reporter.CountOf("decode broken") == 1, "the new leader reports the bad object");
    }

    [Fact]
    public async Task OnChange_DecodeFailedWhileStandbyThenFixed_NotReportedWhenLeading()
    {
        await using var h = new ControllerHarness().StartPump();
        h.Watcher.Publish(new ResourceChange<Widget>(
            ResourceChangeType.DecodeFailed,
            null,
            DecodeFailure: new ResourceDecodeFailure("ns", "broken", "uid-1", "7", "{}", "spec.serviceName: expected string")));
        h.Watcher.Add(Widget.Create("broken"));
        await Eventually.TrueAsync(() => h.Controller.Queue.Count == 1, "the standby has seen the fix");

        h.StartWorkers();

        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid broken") == 1, "the fixed object is reconciled");
        Assert.Equal(0, h.Reporter.CountOf("decode broken"));
    }

    [Fact]
    public async Task OnChange_DecodeFailedWithoutIdentity_IsOnlyLogged()
    {
        await using var h = new ControllerHarness().StartPump().StartWorkers();
        await Eventually.TrueAsync(() => h.Controller.IsLeadingForTests, "workers are running");

        h.Watcher.Publish(new ResourceChange<Widget>(
            ResourceChangeType.DecodeFailed,
            null,
            DecodeFailure: new ResourceDecodeFailure(null, null, null, null, "not json", "invalid JSON")));
        h.Watcher.Add(Widget.Create("after"));

        await Eventually.TrueAsync(() => h.Reporter.CountOf("valid after") == 1, "the pump goes on");
        Assert.Equal(0, h.Reporter.CountOf("decode"));
    }

    [Fact]
    public async Task WaitForInitialSyncAsync_SecondaryCacheNotLoaded_WaitsForIt()
    {
        await using var h = new ControllerHarness(withPods: true);
        h.Pods.Synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var waiting = h.Controller.WaitForInitialSyncAsync(CancellationToken.None);

        Assert.False(waiting.IsCompleted);
        h.Pods.Synced.SetResult();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
