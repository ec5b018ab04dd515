namespace Box.K8sEventReporting.Watching;

/// <summary>
/// An object from the API server that could not be deserialized into the watched type, with whatever identity could be read.
/// </summary>
/// <param name="Namespace">The object's namespace, when readable.</param>
/// <param name="Name">The object's name, when readable.</param>
/// <param name="Uid">The object's uid, when readable.</param>
/// <param name="ResourceVersion">The object's resourceVersion, when readable.</param>
/// <param name="RawJson">The raw JSON as received (possibly truncated for very large payloads).</param>
/// <param name="Error">Why it could not be read.</param>
public sealed record ResourceDecodeFailure(
    string? Namespace,
    string? Name,
    string? Uid,
    string? ResourceVersion,
    string RawJson,
    string Error);
