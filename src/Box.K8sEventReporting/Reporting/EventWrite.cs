using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>An immutable snapshot of one Event write, taken under the recorder's lock.</summary>
/// <param name="Name">The Event's name.</param>
/// <param name="Namespace">The Event's namespace: always the involved object's.</param>
/// <param name="InvolvedObject">The object the Event is about.</param>
/// <param name="Type">Normal or Warning.</param>
/// <param name="Reason">The reason.</param>
/// <param name="Message">The message, at most 1024 UTF-8 bytes.</param>
/// <param name="Action">The action, or <see langword="null"/> for the default.</param>
/// <param name="FirstTimestamp">When this process first saw it.</param>
/// <param name="LastTimestamp">When this process last saw it.</param>
/// <param name="Delta">How many observations this write adds.</param>
/// <param name="IsAggregate">Whether the message must be rewritten on patch.</param>
internal sealed record EventWrite(
    string Name,
    string Namespace,
    V1ObjectReference InvolvedObject,
    EventType Type,
    string Reason,
    string Message,
    string? Action,
    DateTimeOffset FirstTimestamp,
    DateTimeOffset LastTimestamp,
    long Delta,
    bool IsAggregate)
{
    public static EventWrite From(EventRecord record) => new(
        record.Name,
        record.Key.Object.Namespace,
        record.InvolvedObject,
        record.Key.Type,
        record.Key.Reason,
        record.Message,
        record.Action,
        record.FirstTimestamp,
        record.LastTimestamp,
        record.UnsentCount,
        record.IsAggregate);
}
