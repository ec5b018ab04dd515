using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Registers one shared watcher per watched type, unless the application registered its own.</summary>
internal static class WatcherRegistration
{
    public static void TryAddWatcher<T>(IServiceCollection services)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        services.TryAddSingleton<ICustomResourceWatcher<T>>(_ => throw new InvalidOperationException(
            $"No ICustomResourceWatcher<{typeof(T).Name}> is registered."));
    }
}
