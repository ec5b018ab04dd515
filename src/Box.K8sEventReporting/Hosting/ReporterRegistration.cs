using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Composes how a controller reports what it finds: the reporting decorator around its reconciler.</summary>
internal static class ReporterRegistration
{
    public static void TryAddReporting(IServiceCollection services)
    {
        services.AddEventReporting();
        services.TryAddSingleton(sp => new StatusWriteQueue(
            KubernetesEventRecorder.Snapshot(sp.GetRequiredService<IOptions<EventReporterOptions>>()),
            sp.GetService<ILogger<StatusWriteQueue>>(),
            sp.GetRequiredService<TimeProvider>(),
            metrics: sp.GetService<ReportingMetrics>()));
    }

    /// <summary>
    /// The reconciler the loop runs: the validators, the application's reconciler (if any) and the reports, with status
    /// writes queued off the reconcile's critical path (the next resource's Secret does not wait for them).
    /// </summary>
    public static ReportingReconciler<T> CreateReconciler<T>(IServiceProvider sp, string kind, ControllerOptions options, ILogger logger)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var settings = KubernetesEventRecorder.Snapshot(sp.GetRequiredService<IOptions<EventReporterOptions>>());
        var recorder = sp.GetRequiredService<IEventRecorder>();

        // Built here rather than resolved: a controller may have no pod selector (then it reports on the resource only).
        var reporter = new ValidationProblemReporter<T>(
            recorder,
            sp.GetService<IAffectedPodSelector<T>>() ?? NoPods<T>.Instance,
            new QueuedStatusWriter<T>(
                sp.GetRequiredService<StatusWriteQueue>(),
                sp.GetRequiredService<IResourceConditionWriter>(),
                sp.GetService<ICustomResourceWatcher<T>>()?.Cache),
            settings,
            sp.GetService<ILogger<ValidationProblemReporter<T>>>(),
            sp.GetService<ICustomResourceWatcher<V1ReplicaSet>>()?.Cache,
            sp.GetService<IPodEventReporter>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            resourceWarningInterval: options.RevalidationInterval);
        return new ReportingReconciler<T>(
            sp.GetServices<IValidator<T>>(), sp.GetService<IReconciler<T>>(), reporter, recorder, options.RevalidationInterval, kind, logger);
    }

    /// <summary>Reports objects of <typeparamref name="T"/> that could not be read.</summary>
    public static DecodeFailureReporter CreateDecodeFailureReporter<T>(IServiceProvider sp)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var entity = KubernetesEntityMetadata.Of<T>();
        return new DecodeFailureReporter(
            sp.GetRequiredService<IEventRecorder>(),
            typeof(T),
            entity.Kind,
            entity.ApiVersion,
            // The raw path (a patch from an object's JSON) is the library's writer's; a replaced writer (a test fake) has none.
            sp.GetRequiredService<IResourceConditionWriter>() as IRawResourceConditionWriter,
            sp.GetRequiredService<IOptions<EventReporterOptions>>().Value.ConditionType);
    }

    private sealed class NoPods<T> : IAffectedPodSelector<T>
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        public static readonly NoPods<T> Instance = new();

        public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(T resource, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<V1Pod>>([]);
    }
}
