using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Conveniences over <see cref="IEventRecorder"/>.</summary>
public static class EventRecorderExtensions
{
    /// <summary>Records <paramref name="report"/> about <paramref name="involvedObject"/>.</summary>
    /// <typeparam name="T">The object's type.</typeparam>
    /// <param name="recorder">The recorder.</param>
    /// <param name="involvedObject">The object the Event is about.</param>
    /// <param name="report">What to say.</param>
    /// <exception cref="ArgumentException">See <see cref="ObjectReferences.Create{T}(T)"/> and <see cref="IEventRecorder.Record"/>.</exception>
    public static void Record<T>(this IEventRecorder recorder, T involvedObject, EventReport report)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(recorder);
        recorder.Record(ObjectReferences.Create(involvedObject), report);
    }
}
