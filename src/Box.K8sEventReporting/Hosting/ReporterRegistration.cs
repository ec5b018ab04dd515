using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Reporting;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Registers how a controller reports what it finds: the reporting services' recorder, condition writer and pods.</summary>
internal static class ReporterRegistration
{
    public static void TryAddReporter<T>(IServiceCollection services)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        services.AddEventReporting();
        services.TryAddSingleton<Internal.ReconcileActivity>();
        services.TryAddSingleton(sp => new StatusWriteQueue(
            KubernetesEventRecorder.Snapshot(sp.GetRequiredService<IOptions<EventReporterOptions>>()),
            sp.GetService<ILogger<StatusWriteQueue>>(),
            sp.GetRequiredService<TimeProvider>(),
            activity: sp.GetRequiredService<Internal.ReconcileActivity>(),
            metrics: sp.GetService<ReportingMetrics>()));
        services.TryAddSingleton<IReconcileReporter<T>>(sp =>
        {
            var entity = KubernetesEntityMetadata.Of<T>();

            // Built here rather than resolved: a controller may have no pod selector (then it reports on the resource only).
            var conditionWriter = sp.GetRequiredService<IResourceConditionWriter>();
            var validationReporter = new ValidationProblemReporter<T>(
                sp.GetRequiredService<IEventRecorder>(),
                sp.GetService<IAffectedPodSelector<T>>() ?? NoPods<T>.Instance,
                conditionWriter,
                sp.GetRequiredService<IOptions<EventReporterOptions>>(),
                sp.GetService<ILogger<ValidationProblemReporter<T>>>(),
                replicaSets: sp.GetService<Watching.ICustomResourceWatcher<V1ReplicaSet>>()?.Cache,
                podReporter: sp.GetService<IPodEventReporter>())
            {
                // Status writes leave the reconcile's critical path: the next resource's Secret does not wait for them.
                StatusQueue = sp.GetRequiredService<StatusWriteQueue>(),
                CurrentOf = sp.GetService<Watching.ICustomResourceWatcher<T>>() is { } watcher
                    ? r => watcher.Cache.Get(r.Metadata.NamespaceProperty, r.Metadata.Name)
                    : null,
            };
            return new EventReconcileReporter<T>(validationReporter, sp.GetRequiredService<IEventRecorder>(), entity.Kind, entity.ApiVersion,
                conditionWriter as IRawResourceConditionWriter,   // a replaced writer (a test fake) has no raw path
                sp.GetRequiredService<IOptions<EventReporterOptions>>().Value.ConditionType);
        });
    }

    private sealed class NoPods<T> : IAffectedPodSelector<T>
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        public static readonly NoPods<T> Instance = new();

        public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(T resource, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<V1Pod>>([]);
    }
}
