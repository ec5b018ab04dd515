using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>One change to a watched object, in the order the API server made it.</summary>
/// <typeparam name="T">The watched Kubernetes type.</typeparam>
/// <param name="Type">What happened.</param>
/// <param name="Resource">
/// The object after the change (for <see cref="ResourceChangeType.Deleted"/>: its last known state);
/// <see langword="null"/> only for <see cref="ResourceChangeType.DecodeFailed"/>.
/// </param>
/// <param name="OldResource">The cached state before a <see cref="ResourceChangeType.Modified"/> change, when known.</param>
/// <param name="DecodeFailure">For <see cref="ResourceChangeType.DecodeFailed"/>: what could be read of the bad object.</param>
public sealed record ResourceChange<T>(
    ResourceChangeType Type,
    T? Resource,
    T? OldResource = null,
    ResourceDecodeFailure? DecodeFailure = null)
    where T : class, IKubernetesObject<V1ObjectMeta>;
