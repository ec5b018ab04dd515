namespace Box.K8sEventReporting.Reporting;

/// <summary>Identifies the object an Event is about.</summary>
/// <param name="Kind">The object's kind.</param>
/// <param name="Namespace">The Event's namespace (the object's, or <c>default</c> for cluster-scoped objects).</param>
/// <param name="Name">The object's name.</param>
/// <param name="Uid">The object's uid; empty when unknown.</param>
internal readonly record struct InvolvedObjectKey(string Kind, string Namespace, string Name, string Uid);

/// <summary>Identical events share this key: same object, source, type, reason and message.</summary>
internal readonly record struct EventKey(InvolvedObjectKey Object, string Component, EventType Type, string Reason, string Message);

/// <summary>Similar events share this key: same object, source, type and reason.</summary>
internal readonly record struct AggregateKey(InvolvedObjectKey Object, string Component, EventType Type, string Reason);

/// <summary>
/// The spam filter keeps one token bucket per source, object and type, as client-go's <c>getSpamKey</c> does: hours of
/// Warnings about an object never use up the tokens of the Normal Event that says it recovered.
/// </summary>
internal readonly record struct SpamKey(string Component, InvolvedObjectKey Object, EventType Type)
{
    /// <summary>Gets the bucket key of an Event.</summary>
    public static SpamKey Of(in EventKey key) => new(key.Component, key.Object, key.Type);
}
