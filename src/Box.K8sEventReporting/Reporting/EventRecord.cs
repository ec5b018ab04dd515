using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>What the recorder knows of one Event object: what it has written and what it still owes the API server.</summary>
/// <remarks>Mutated only under the recorder's lock; writers work on an <see cref="EventWrite"/> snapshot.</remarks>
internal sealed class EventRecord
{
    public EventRecord(EventKey key, string name, V1ObjectReference involvedObject, string? action, bool isAggregate, DateTimeOffset firstTimestamp)
    {
        Key = key;
        Name = name;
        InvolvedObject = involvedObject;
        Action = action;
        IsAggregate = isAggregate;
        FirstTimestamp = firstTimestamp;
        LastTimestamp = firstTimestamp;
        Message = key.Message;
    }

    public EventKey Key { get; }

    /// <summary>Gets the Event object's deterministic name.</summary>
    public string Name { get; }

    public V1ObjectReference InvolvedObject { get; }

    public string? Action { get; set; }

    /// <summary>Gets a value indicating whether this is the combined Event of similar events (its message changes).</summary>
    public bool IsAggregate { get; }

    public DateTimeOffset FirstTimestamp { get; }

    public DateTimeOffset LastTimestamp { get; set; }

    /// <summary>Gets or sets the message to write (the latest one for an aggregate).</summary>
    public string Message { get; set; }

    /// <summary>Gets or sets the count the API server is known to hold; 0 when the Event is not known to exist there.</summary>
    public long ServerCount { get; set; }

    /// <summary>Gets or sets the observations not yet written.</summary>
    public long UnsentCount { get; set; }

    /// <summary>Gets or sets a value indicating whether a write is queued or in flight (repeats then only raise <see cref="UnsentCount"/>).</summary>
    public bool IsWritePending { get; set; }

    /// <summary>Gets a value indicating whether observations wait for the next write (spam filter, dropped or failed write).</summary>
    public bool IsDeferred => DeferredNode is not null;

    /// <summary>Gets or sets the record's place in the correlator's deferred list (oldest first); <see langword="null"/> when not deferred.</summary>
    public LinkedListNode<EventRecord>? DeferredNode { get; set; }

    /// <summary>Gets or sets why the record was last deferred: <c>spam_filter</c>, <c>queue_full</c> or <c>write_failed</c>.</summary>
    public string DeferCause { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets a value indicating whether its writes wait until no urgent write is queued (an Event that only an extra
    /// feature needs, such as the one on the reported resource, behind the Warnings on the pods the owner waits for).
    /// </summary>
    public bool IsBackground { get; set; }

    /// <summary>Gets the count the Event should have once everything is written.</summary>
    public long Count => ServerCount + UnsentCount;
}
