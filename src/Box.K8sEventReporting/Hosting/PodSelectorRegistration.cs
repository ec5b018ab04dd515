using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Registers the pod selectors that <see cref="ControllerBuilder{T}"/> offers.</summary>
internal static class PodSelectorRegistration
{
    public static void AddSecretConsumerSelector<T>(IServiceCollection services, Func<T, string?> secretName)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        WatcherRegistration.TryAddWatcher<V1Pod>(services);
        services.AddSingleton<IAffectedPodSelector<T>>(sp =>
            new CachedSecretConsumerPodSelector<T>(sp.GetRequiredService<ICustomResourceWatcher<V1Pod>>(), secretName));
    }
}
