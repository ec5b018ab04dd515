using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Records Kubernetes Events about any object: a pod, a custom resource, a Deployment.</summary>
/// <remarks>
/// Recording never waits for the API server: events are correlated in memory and written by a background sink.
/// Identical events raise one Event object's count; similar ones are combined; a spam filter bounds writes per object.
/// </remarks>
public interface IEventRecorder
{
    /// <summary>Records <paramref name="report"/> about <paramref name="involvedObject"/>.</summary>
    /// <param name="involvedObject">The object the Event is about; kind and name are required, uid and namespace expected.</param>
    /// <param name="report">What to say.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The reason is not UpperCamelCase of at most 128 characters, the type is not Normal or Warning, the action is longer than 128 characters, or the object has no kind or name.</exception>
    void Record(V1ObjectReference involvedObject, EventReport report);

    /// <summary>Records <paramref name="report"/> about <paramref name="involvedObject"/>, referred to by its kind, name, namespace and uid.</summary>
    /// <typeparam name="T">The object's type.</typeparam>
    /// <param name="involvedObject">The object the Event is about.</param>
    /// <param name="report">What to say.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="Record(V1ObjectReference, EventReport)"/>, or the object's kind is unknown.</exception>
    void Record<T>(T involvedObject, EventReport report)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Record(ObjectReferences.Create(involvedObject), report);
}
