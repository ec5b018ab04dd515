using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Registers what <c>Owns&lt;TChild&gt;()</c> needs: a child watch restricted to the managed-by label (objects the
/// controllers did not write are never listed, watched or cached), and the <see cref="OwnedChildWriter{TChild}"/> that
/// stamps that label and reads that cache.
/// </summary>
internal static class OwnedChildRegistration
{
    public static void TryAddWriter<TChild>(IServiceCollection services)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        WatcherRegistration.TryAddWatcher<TChild>(services);
        services.AddOptions<CustomResourceWatcherOptions>(WatcherRegistration.OptionsName<TChild>())
            .Configure<IOptions<ControllerOptions>, IOptions<EventReporterOptions>>((options, controller, events) =>
                options.LabelSelector = WithLabel(options.LabelSelector, $"{OwnedChildWriter<TChild>.ManagedByLabel}={controller.Value.ManagedByOrDefault(events.Value)}"));
        services.TryAddSingleton(sp => new OwnedChildWriter<TChild>(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<IOptions<ControllerOptions>>().Value.ManagedByOrDefault(sp.GetRequiredService<IOptions<EventReporterOptions>>().Value),
            sp.GetRequiredService<ICustomResourceWatcher<TChild>>().Cache,
            sp.GetService<ILogger<OwnedChildWriter<TChild>>>())
        {
            Metrics = sp.GetService<ControllerMetrics>(),
        });
    }

    /// <summary>Adds <paramref name="requirement"/> to a label selector (requirements are ANDed), once.</summary>
    internal static string WithLabel(string? selector, string requirement) =>
        string.IsNullOrWhiteSpace(selector) ? requirement
        : selector.Split(',').Any(r => r.Trim() == requirement) ? selector
        : selector + "," + requirement;
}
