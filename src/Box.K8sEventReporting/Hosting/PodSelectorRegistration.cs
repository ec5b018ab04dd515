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
        services.Configure<CustomResourceWatcherOptions>(WatcherRegistration.OptionsName<V1Pod>(), options =>
        {
            if (!options.IndexRegistrations.Any(static i => i.Name == PodSecretUsage.IndexName))
            {
                options.AddIndex<V1Pod>(PodSecretUsage.IndexName, PodSecretUsage.IndexValues);
            }

            // The pod cache serves reporting only: keep identity, owners and Secret references, not whole pods.
            // An application that needs full pods sets its own Transform (or registers its own pod watcher) first.
            options.Transform ??= static pod => PodSecretUsage.TrimForReporting((V1Pod)pod);
        });
        services.AddSingleton<IAffectedPodSelector<T>>(sp => new SecretConsumerPodSelector<T>(
            sp.GetRequiredService<ICustomResourceWatcher<V1Pod>>().Cache,
            secretName,
            PodSecretUsage.IndexName));
    }
}
