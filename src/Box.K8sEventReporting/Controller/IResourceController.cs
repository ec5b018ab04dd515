using Box.K8sEventReporting.Watching;
using k8s.Models;
using k8s;

namespace Box.K8sEventReporting.Controller;

/// <summary>The running reconcile loop of one resource type: lets the application ask for resources to be checked again.</summary>
/// <typeparam name="T">The resource type.</typeparam>
internal interface IResourceController<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Queues one resource for reconcile; a key already queued is not queued twice.</summary>
    /// <param name="key">The resource's namespace and name.</param>
    void Enqueue(ResourceKey key);

    /// <summary>Queues every cached resource for reconcile, for example after the rules of a validator changed.</summary>
    void RequeueAll();
}
