using Box.K8sEventReporting.Reporting;
using k8s.Models;

namespace Box.K8sEventReporting.Testing;

/// <summary>One Event recorded by <see cref="FakeEventRecorder"/> (or read from the in-process API server).</summary>
/// <param name="InvolvedObject">What the Event is about: kind, namespace, name, uid.</param>
/// <param name="Report">What it says: type, reason, message, action.</param>
public sealed record RecordedEvent(V1ObjectReference InvolvedObject, EventReport Report)
{
    /// <summary>Gets the involved object's namespace, or an empty string for a cluster-scoped object.</summary>
    public string Namespace => InvolvedObject.NamespaceProperty ?? string.Empty;

    /// <summary>Gets the involved object's name.</summary>
    public string Name => InvolvedObject.Name ?? string.Empty;

    /// <summary>Whether the Event is about the object <paramref name="namespace"/>/<paramref name="name"/>, with <paramref name="reason"/> when given.</summary>
    /// <param name="namespace">The involved object's namespace.</param>
    /// <param name="name">The involved object's name.</param>
    /// <param name="reason">The reason, or <see langword="null"/> for any.</param>
    /// <returns><see langword="true"/> when it matches.</returns>
    public bool IsAbout(string @namespace, string name, string? reason = null) =>
        Namespace == @namespace && Name == name && (reason is null || Report.Reason == reason);

    /// <inheritdoc/>
    public override string ToString() => $"{InvolvedObject.Kind} {Namespace}/{Name}: {Report.Type} {Report.Reason}: {Report.Message}";
}
