using Box.K8sEventReporting.Controller;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Hosting;

/// <summary>What a <see cref="ControllerBuilder{T}"/> collected that DI alone cannot hold: sources, the update predicate and hooks.</summary>
internal sealed class ControllerRegistration<T> : IControllerHook
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public List<Func<IServiceProvider, IReconcileSource>> SecondaryWatches { get; } = [];

    /// <summary>Gets or sets which updates of the resource are reconciled; <see langword="null"/>: those that change its generation.</summary>
    public Func<T, T, bool>? UpdatePredicate { get; set; }

    public List<Func<IServiceProvider, IResourceController<T>, IDisposable?>> Hooks { get; } = [];

    public IEnumerable<IDisposable> Attach(IServiceProvider services)
    {
        var controller = (IResourceController<T>)services.GetService(typeof(IResourceController<T>))!;
        foreach (var hook in Hooks)
        {
            if (hook(services, controller) is { } attached)
            {
                yield return attached;
            }
        }
    }
}
