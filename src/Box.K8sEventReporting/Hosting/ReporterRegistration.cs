using Box.K8sEventReporting.Controller;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Registers how a controller reports what it finds.</summary>
internal static class ReporterRegistration
{
    public static void TryAddReporter<T>(IServiceCollection services)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        services.TryAddSingleton<IReconcileReporter<T>, PodEventReconcileReporter<T>>();
    }
}
