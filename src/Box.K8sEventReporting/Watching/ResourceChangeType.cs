namespace Box.K8sEventReporting.Watching;

/// <summary>What happened to a watched object.</summary>
public enum ResourceChangeType
{
    /// <summary>The object appeared: created, or seen for the first time by this consumer.</summary>
    Added,

    /// <summary>The object changed; <see cref="ResourceChange{T}.OldResource"/> holds the previous state when it is known.</summary>
    Modified,

    /// <summary>The object is gone; <see cref="ResourceChange{T}.Resource"/> holds its last known state.</summary>
    Deleted,

    /// <summary>
    /// A periodic re-delivery of an object that did not change, so that consumers can re-check it.
    /// Never a real change on the API server.
    /// </summary>
    Resync,

    /// <summary>
    /// An object arrived that could not be read as the watched type (wrong field types, invalid JSON, missing metadata).
    /// <see cref="ResourceChange{T}.DecodeFailure"/> carries what could be read; the watch goes on.
    /// </summary>
    DecodeFailed,
}
