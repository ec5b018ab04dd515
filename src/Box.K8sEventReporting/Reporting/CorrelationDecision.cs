namespace Box.K8sEventReporting.Reporting;

/// <summary>What the correlator decided for one observation.</summary>
internal enum CorrelationDecision
{
    /// <summary>A new Event object: queue a create.</summary>
    Create,

    /// <summary>An Event the server holds: queue a patch to <see cref="EventRecord.Count"/>.</summary>
    Patch,

    /// <summary>A write for this Event is already waiting; it will carry this observation too. No new write.</summary>
    Coalesce,

    /// <summary>The spam filter held the write back; the observation is kept and rides with the Event's next write.</summary>
    Defer,

    /// <summary>The spam filter dropped a new Event: nothing is written.</summary>
    Drop,
}

/// <summary>The correlator's decision and the record it applies to.</summary>
/// <param name="Decision">What to do.</param>
/// <param name="Record">The Event's record (for <see cref="CorrelationDecision.Drop"/>, a record that is not kept).</param>
internal readonly record struct CorrelationResult(CorrelationDecision Decision, EventRecord Record);
