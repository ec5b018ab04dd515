using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>What one line of a watch stream (or one list item) turned out to be.</summary>
internal enum WatchEventKind
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
    DecodeFailed,
}

/// <summary>One decoded watch event or list item.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Object">The object for Added, Modified and Deleted.</param>
/// <param name="ResourceVersion">The resourceVersion it carries, when readable.</param>
/// <param name="Status">The Status of an ERROR event.</param>
/// <param name="Failure">What could be read of an object that did not decode.</param>
/// <param name="FailedEventType">The event type of a decode failure (ADDED, MODIFIED, DELETED, or null when unreadable).</param>
internal readonly record struct WatchEvent<T>(
    WatchEventKind Kind,
    T? Object = null,
    string? ResourceVersion = null,
    V1Status? Status = null,
    ResourceDecodeFailure? Failure = null,
    string? FailedEventType = null)
    where T : class, IKubernetesObject<V1ObjectMeta>;
