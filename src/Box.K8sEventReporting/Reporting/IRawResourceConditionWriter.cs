namespace Box.K8sEventReporting.Reporting;

/// <summary>Sets a condition on an object known only as raw JSON (one that does not deserialize into its type).</summary>
internal interface IRawResourceConditionWriter
{
    /// <summary>
    /// Sets <paramref name="condition"/> on the object through its status subresource, starting from the
    /// <c>status.conditions</c>, <c>metadata.generation</c> and <c>metadata.resourceVersion</c> found in
    /// <paramref name="rawJson"/> (none when missing or unreadable). A 409 Conflict is not retried: the change behind
    /// it arrives as a new watch event.
    /// </summary>
    /// <param name="resourceType">The watched type, whose <c>[KubernetesEntity]</c> names the group, version, plural and kind.</param>
    /// <param name="namespace">The object's namespace.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="rawJson">The object as received.</param>
    /// <param name="condition">The condition to set.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns><see langword="true"/> when a write was made.</returns>
    Task<bool> SetConditionAsync(Type resourceType, string @namespace, string name, string rawJson, ResourceCondition condition, CancellationToken cancellationToken);
}
