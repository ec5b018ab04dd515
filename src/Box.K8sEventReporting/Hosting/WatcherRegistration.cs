using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Registers one shared watcher per watched type, unless the application registered its own.</summary>
/// <remarks>
/// Each type's watcher reads the named <see cref="CustomResourceWatcherOptions"/> <see cref="OptionsName{T}"/>; the
/// <c>Watcher</c> configuration section applies to all of them.
/// </remarks>
internal static class WatcherRegistration
{
    public static string OptionsName<T>() => CustomResourceWatcherOptions.OptionsNameFor<T>();

    public static void TryAddWatcher<T>(IServiceCollection services)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        services.TryAddSingleton<ICustomResourceWatcher<T>>(sp => new CustomResourceWatcher<T>(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<IOptionsMonitor<CustomResourceWatcherOptions>>().Get(OptionsName<T>()),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<IMeterFactory>()));
    }
}
