using System.Collections.Concurrent;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Controller;

/// <summary>A controller over fakes: widgets with service name "bad" are invalid; the reconciler can be scripted.</summary>
internal sealed class ControllerHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _pumpStop = new();
    private readonly CancellationTokenSource _workersStop = new();
    private Task _pump = Task.CompletedTask;
    private Task _workers = Task.CompletedTask;

    public ControllerHarness(ControllerOptions? options = null, bool withPods = false)
    {
        options ??= new ControllerOptions();
        var secondary = new List<IReconcileSource>();
        if (withPods)
        {
            secondary.Add(new MappedSource<V1Pod>(
                Pods,
                pod => pod.Metadata.Labels?.TryGetValue("widget", out var name) == true
                    ? [new ResourceKey(pod.Metadata.NamespaceProperty, name)]
                    : [],
                change => change.Type == Box.K8sEventReporting.Watching.ResourceChangeType.Added,
                NullLogger.Instance,
                Time));
        }

        // Composed as the library composes a controller: the loop, and the reporting decorator around the reconciler.
        var reporter = new ValidationProblemReporter<Widget>(
            Reporter, new NoPods(), new DirectStatusWriter<Widget>(Reporter), new EventReporterOptions(), null, null, null, Time, options.RevalidationInterval);
        var reconciler = new ReportingReconciler<Widget>(
            [new ServiceNameValidator(this)], new DelegateReconciler<Widget>(ReconcileAsync), reporter, Reporter, options.RevalidationInterval, "Widget", NullLogger.Instance);
        var decodeFailures = new DecodeFailureReporter(Reporter, typeof(Widget), "Widget", "box.com/v1", null, "Ready");
        Controller = new ResourceController<Widget>(
            new PrimarySource<Widget>(Watcher, null, "Widget", NullLogger.Instance, Time),
            secondary,
            reconciler,
            options,
            NullLogger.Instance,
            Time,
            reportDecodeFailure: decodeFailures.ReportAsync);
    }

    public FakeTimeProvider Time { get; } = new();

    public FakeWatcher<Widget> Watcher { get; } = new();

    public FakeWatcher<V1Pod> Pods { get; } = new();

    public RecordingReconcileReporter Reporter { get; } = new();

    public ResourceController<Widget> Controller { get; }

    public ConcurrentQueue<string> Reconciled { get; } = new();

    public Func<Widget, ValueTask<ReconcileResult>> OnReconcile { get; set; } = _ => ValueTask.FromResult(ReconcileResult.Done);

    public Func<Widget, CancellationToken, ValueTask<ReconcileResult>>? OnReconcileWithToken { get; set; }

    public Func<Widget, ValidationResult>? OnValidate { get; set; }

    public int ReconcileCount(string name) => Reconciled.Count(n => n == name);

    public ControllerHarness StartPump()
    {
        _pump = Controller.RunEventPumpAsync(_pumpStop.Token);
        return this;
    }

    public ControllerHarness StartWorkers()
    {
        _workers = Controller.RunWorkersAsync(_workersStop.Token, _workersStop.Token);
        return this;
    }

    public async Task StopWorkersAsync()
    {
        await _workersStop.CancelAsync();
        await _workers.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public Task WaitIdleAsync(string because) =>
        Eventually.TrueAsync(() => Controller.Queue.Count == 0 && Controller.Queue.ProcessingCount == 0, because);

    public async ValueTask DisposeAsync()
    {
        await _pumpStop.CancelAsync();
        await _workersStop.CancelAsync();
        await Task.WhenAll(_pump, _workers).WaitAsync(TimeSpan.FromSeconds(10));
        Controller.Dispose();
        _pumpStop.Dispose();
        _workersStop.Dispose();
    }

    private ValueTask<ReconcileResult> ReconcileAsync(Widget widget, CancellationToken cancellationToken)
    {
        Reconciled.Enqueue(widget.Metadata.Name);
        return OnReconcileWithToken is { } withToken ? withToken(widget, cancellationToken) : OnReconcile(widget);
    }

    private sealed class NoPods : IAffectedPodSelector<Widget>
    {
        public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(Widget resource, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<V1Pod>>([]);
    }

    private sealed class ServiceNameValidator(ControllerHarness harness) : IValidator<Widget>
    {
        public ValueTask<ValidationResult> ValidateAsync(Widget resource, CancellationToken cancellationToken = default)
        {
            if (harness.OnValidate is { } validate)
            {
                return ValueTask.FromResult(validate(resource));
            }

            return ValueTask.FromResult(resource.ServiceName == "bad"
                ? ValidationResult.Fail(new ValidationFailure("spec.serviceName", "InvalidServiceName", "bad name"))
                : ValidationResult.Success);
        }
    }
}
