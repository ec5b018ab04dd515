using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Tests.Controller;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Hosting;

public sealed class ControllerHostedServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StopAsync_ReconcileInFlight_IsAllowedToFinishWithinTheShutdownTimeout()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fixture = await HostFixture.StartAsync(async (w, ct) =>
        {
            await release.Task.WaitAsync(ct);
            return ReconcileResult.Done;
        });
        await fixture.Entered.Task.WaitAsync(Timeout);

        var stopping = fixture.Host.StopAsync();
        release.SetResult();
        await stopping.WaitAsync(Timeout);

        Assert.Equal(1, fixture.Completed);
    }

    [Fact]
    public async Task StopAsync_ReconcileOutlivesTheShutdownTimeout_IsCancelled()
    {
        await using var fixture = await HostFixture.StartAsync(async (w, ct) =>
        {
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct);
            return ReconcileResult.Done;
        });
        await fixture.Entered.Task.WaitAsync(Timeout);

        var stopping = fixture.Host.StopAsync();
        await fixture.DrainDeadlineSet.WaitAsync(Timeout);
        fixture.Time.Advance(TimeSpan.FromSeconds(29));
        var stillDraining = !stopping.IsCompleted;
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        await stopping.WaitAsync(Timeout);

        Assert.True(stillDraining);
        Assert.Equal(0, fixture.Completed);
    }

    [Fact]
    public async Task Check_WorkersStuckPastStallTimeout_ReportsNotLive()
    {
        await using var fixture = await HostFixture.StartAsync(
            async (w, ct) =>
            {
                await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct);
                return ReconcileResult.Done;
            },
            workers: 1);
        await fixture.Entered.Task.WaitAsync(Timeout);
        fixture.Watcher.Add(Widget.Create("queued-behind"));
        var controller = fixture.Host.Services.GetRequiredService<ResourceController<Widget>>();
        await Eventually.TrueAsync(() => controller.Queue.Count == 1, "a second key waits");
        var health = fixture.Host.Services.GetRequiredService<IControllerHealth>();
        var before = health.Check();

        fixture.Time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        var after = health.Check();

        Assert.True(before.IsLive, before.Description);
        Assert.False(after.IsLive);
        Assert.True(after.IsReady);
        Assert.Equal("stalled: no progress on Widget", after.Description);
    }

    [Fact]
    public async Task Readyz_AnotherReadinessCheckNotReady_KeepsTheReplicaNotReady_AndSaysWhy()
    {
        var webhook = new SettableReadiness { Reason = "the admission webhook is not listening" };
        await using var fixture = await HostFixture.StartAsync(
            (_, _) => Task.FromResult(ReconcileResult.Done),
            services: s => s.AddHealthChecks().AddCheck("webhook", webhook, tags: [HealthProbeOptions.ReadinessTag]));
        await fixture.Entered.Task.WaitAsync(Timeout);
        var health = fixture.Host.Services.GetRequiredService<IControllerHealth>();
        await Eventually.TrueAsync(() => health.Check().IsLeader, "leading");
        var waiting = await HealthProbeHostedService.AnswerAsync(fixture.Host.Services, HealthProbeOptions.ReadinessPath, CancellationToken.None);
        var live = await HealthProbeHostedService.AnswerAsync(fixture.Host.Services, HealthProbeOptions.LivenessPath, CancellationToken.None);

        webhook.Reason = null;
        var ready = await HealthProbeHostedService.AnswerAsync(fixture.Host.Services, HealthProbeOptions.ReadinessPath, CancellationToken.None);

        Assert.Equal((503, "failing: the admission webhook is not listening\n"), waiting);
        Assert.Equal(200, live.StatusCode);
        Assert.Equal(200, ready.StatusCode);
        Assert.StartsWith("ok: ", ready.Body, StringComparison.Ordinal);
        Assert.Contains("leading as '", ready.Body, StringComparison.Ordinal);
        Assert.Contains("the webhook is serving", ready.Body, StringComparison.Ordinal);
    }

    private sealed class SettableReadiness : IHealthCheck
    {
        private volatile string? _reason;

        public string? Reason
        {
            get => _reason;
            set => _reason = value;
        }

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(_reason is { } reason ? HealthCheckResult.Unhealthy(reason) : HealthCheckResult.Healthy("the webhook is serving"));
    }

    private sealed class HostFixture : IAsyncDisposable
    {
        private int _completed;

        private HostFixture(IHost host, FakeWatcher<Widget> watcher, FakeTimeProvider time)
        {
            Host = host;
            Watcher = watcher;
            Time = time;
        }

        public IHost Host { get; }

        public FakeWatcher<Widget> Watcher { get; }

        public FakeTimeProvider Time { get; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Completed => Volatile.Read(ref _completed);

        public Task DrainDeadlineSet => Host.Services.GetRequiredService<ControllerHostedService>().DrainDeadlineSet;

        public static async Task<HostFixture> StartAsync(Func<Widget, CancellationToken, Task<ReconcileResult>> reconcile, int workers = 2, Action<IServiceCollection>? services = null)
        {
            var watcher = new FakeWatcher<Widget>();
            var time = new FakeTimeProvider();
            HostFixture? fixture = null;
            var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
            builder.Services.AddSingleton<ICustomResourceWatcher<Widget>>(watcher);
            var reports = new RecordingReconcileReporter();   // what the controller reports, without an API server
            builder.Services.AddSingleton<IEventRecorder>(reports);
            builder.Services.AddSingleton<IResourceConditionWriter>(reports);
            services?.Invoke(builder.Services);
            builder.Services.AddK8sEventReporting()
                .ConfigureControllers(o => o.Workers = workers)
                .AddController<Widget>(c => c
                    .AddValidator((_, _) => ValueTask.FromResult(ValidationResult.Success))
                    .AddReconciler(async (w, ct) =>
                    {
                        fixture!.Entered.TrySetResult();
                        var result = await reconcile(w, ct);
                        Interlocked.Increment(ref fixture._completed);
                        return result;
                    }));
            var host = builder.Build();
            fixture = new HostFixture(host, watcher, time);
            watcher.SetQuietly(Widget.Create("a"));
            await host.StartAsync();
            return fixture;
        }

        public async ValueTask DisposeAsync()
        {
            var stopping = Host.StopAsync();
            await DrainDeadlineSet.WaitAsync(Timeout);
            Time.Advance(TimeSpan.FromMinutes(1));
            await stopping.WaitAsync(Timeout);
            Host.Dispose();
        }
    }
}
