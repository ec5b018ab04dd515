using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Decides, without I/O, what one observed event means for the API server: create, patch, coalesce into a waiting write,
/// defer, or drop. Mirrors client-go's <c>EventCorrelator</c> (aggregation, then de-duplication, then a spam filter) and
/// improves on it: repeats never cost a write while one is waiting, the spam filter holds back repeats instead of losing
/// their count, and Event names are deterministic so that evicted or restarted state never duplicates an Event.
/// </summary>
/// <remarks>
/// The spam filter is keyed like client-go's (source, object, type), and a new Normal Event without a token is deferred, not
/// dropped: a resource that was invalid for hours still gets the Normal that says it recovered. Records waiting for a later
/// write are bounded by <see cref="EventReporterOptions.MaxDeferredEvents"/>; past it the oldest is dropped and handed to
/// the callback given at construction, which counts and logs it.
/// </remarks>
/// <remarks>Not thread-safe: the recorder calls it under its lock.</remarks>
internal sealed class EventCorrelator
{
    /// <summary>The message prefix of an aggregate Event, as client-go writes it.</summary>
    public const string AggregatePrefix = EventAggregator.AggregatePrefix;

    private readonly EventReporterOptions options;
    private readonly EventAggregator aggregator;
    private readonly LruCache<EventKey, EventRecord> events;
    private readonly SpamFilter spamFilter;
    private readonly LinkedList<EventRecord> deferred = new(); // oldest first
    private readonly Action<EventRecord, long>? onDeferredDropped;

    // Records evicted from the LRU while a write is queued, in flight or deferred: a repeat must find them, or a second
    // record with the same Event name would write concurrently. Bounded by the queue and the deferred set.
    private readonly Dictionary<EventKey, EventRecord> evictedBusy = [];

    /// <summary>Initializes a new instance of the <see cref="EventCorrelator"/> class.</summary>
    /// <param name="options">The options (validated).</param>
    /// <param name="onDeferredDropped">
    /// Called, under the caller's lock, with a deferred record dropped because <see cref="EventReporterOptions.MaxDeferredEvents"/>
    /// records were waiting already, and the number of observations lost with it (its <see cref="EventRecord.DeferCause"/> says why it waited).
    /// </param>
    public EventCorrelator(EventReporterOptions options, Action<EventRecord, long>? onDeferredDropped = null)
    {
        this.options = options;
        this.onDeferredDropped = onDeferredDropped;
        aggregator = new EventAggregator(options);
        events = new LruCache<EventKey, EventRecord>(options.CacheSize, (key, record) =>
        {
            if (record.IsWritePending || record.IsDeferred)
            {
                evictedBusy[key] = record;
            }
        });
        spamFilter = new SpamFilter(options);
    }

    /// <summary>Gets the number of records whose observations wait for a later write.</summary>
    public int DeferredCount => deferred.Count;

    /// <summary>Correlates one observation.</summary>
    /// <param name="objectKey">The involved object's key.</param>
    /// <param name="involvedObject">The reference written into the Event.</param>
    /// <param name="report">The report; its message already shortened to 1024 bytes.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The decision.</returns>
    public CorrelationResult Correlate(InvolvedObjectKey objectKey, V1ObjectReference involvedObject, EventReport report, DateTimeOffset now)
    {
        var component = options.ReportingComponent;
        var isAggregate = aggregator.ShouldAggregate(new AggregateKey(objectKey, component, report.Type, report.Reason), report.Message, now);
        var key = new EventKey(objectKey, component, report.Type, report.Reason, isAggregate ? EventAggregator.AggregateKeyMessage : report.Message);
        var message = isAggregate ? EventMessage.Truncate(AggregatePrefix + report.Message) : report.Message;

        var isNew = !events.TryGetValue(key, out var record);
        if (isNew && evictedBusy.Remove(key, out var busy))
        {
            record = busy;
            events.Set(key, record);
            isNew = false;
        }

        if (isNew)
        {
            // A copy: the caller may reuse or change its reference after Record returns.
            var reference = new V1ObjectReference
            {
                ApiVersion = involvedObject.ApiVersion,
                Kind = involvedObject.Kind,
                NamespaceProperty = involvedObject.NamespaceProperty,
                Name = involvedObject.Name,
                Uid = involvedObject.Uid,
                ResourceVersion = involvedObject.ResourceVersion,
                FieldPath = involvedObject.FieldPath,
            };
            record = new EventRecord(key, EventNames.For(key), reference, report.Action, isAggregate, now);
            events.Set(key, record);
        }
        else
        {
            record.Action = report.Action ?? record.Action;
            if (now > record.LastTimestamp)
            {
                record.LastTimestamp = now;
            }
        }

        record.Message = message;
        record.UnsentCount++;
        if (record.IsWritePending)
        {
            return new CorrelationResult(CorrelationDecision.Coalesce, record);
        }

        if (!spamFilter.TryTake(SpamKey.Of(key), now))
        {
            // A new Warning without a token is dropped, as client-go does. A new Normal is deferred instead: it is how an owner
            // learns that something recovered, and Normal Events about one object are few (their own bucket, by type).
            if (isNew && report.Type == EventType.Warning)
            {
                events.Remove(key);
                return new CorrelationResult(CorrelationDecision.Drop, record);
            }

            MarkDeferred(record, "spam_filter");
            return new CorrelationResult(CorrelationDecision.Defer, record);
        }

        return StartWrite(record);
    }

    /// <summary>Records that a write reached the API server, and decides whether observations made meanwhile need another.</summary>
    /// <param name="record">The record written.</param>
    /// <param name="serverCount">The count the server now holds.</param>
    /// <param name="delta">The observations that write carried.</param>
    /// <param name="now">The current time.</param>
    /// <returns><see cref="CorrelationDecision.Patch"/> when another write is to be queued, <see cref="CorrelationDecision.Defer"/> when it waits for a token, <see cref="CorrelationDecision.Coalesce"/> when nothing is owed.</returns>
    public CorrelationDecision CompleteWrite(EventRecord record, long serverCount, long delta, DateTimeOffset now)
    {
        record.ServerCount = serverCount;
        record.UnsentCount = Math.Max(0, record.UnsentCount - delta);
        record.IsWritePending = false;
        if (record.UnsentCount == 0)
        {
            ReleaseIfIdle(record);
            return CorrelationDecision.Coalesce;
        }

        if (!spamFilter.TryTakeIfKnown(SpamKey.Of(record.Key), now))
        {
            MarkDeferred(record, "spam_filter");
            return CorrelationDecision.Defer;
        }

        return StartWrite(record).Decision;
    }

    /// <summary>Records that a write was given up (queue full, retries exhausted, shutdown); its observations wait for the next write.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cause">Why: <c>queue_full</c>, <c>write_failed</c> or <c>shutdown</c>.</param>
    public void AbandonWrite(EventRecord record, string cause)
    {
        record.IsWritePending = false;
        if (record.UnsentCount > 0)
        {
            MarkDeferred(record, cause);
        }
    }

    /// <summary>Records that a write was rejected for good: its observations are discarded.</summary>
    /// <param name="record">The record.</param>
    public void DiscardWrite(EventRecord record)
    {
        record.IsWritePending = false;
        Undefer(record);
        record.UnsentCount = 0;
        ReleaseIfIdle(record);
        if (record.ServerCount == 0)
        {
            events.Remove(record.Key);
        }
    }

    /// <summary>Takes every deferred record and marks it pending, bypassing the spam filter (used when flushing).</summary>
    /// <returns>The records to write.</returns>
    public List<EventRecord> TakeDeferred()
    {
        var list = new List<EventRecord>(deferred.Count);
        foreach (var record in deferred)
        {
            record.DeferredNode = null;
            if (!record.IsWritePending && record.UnsentCount > 0)
            {
                record.IsWritePending = true;
                list.Add(record);
            }
            else
            {
                ReleaseIfIdle(record);
            }
        }

        deferred.Clear();
        return list;
    }

    /// <summary>Starts a write for every deferred record whose object has a token again (called periodically).</summary>
    /// <param name="now">The current time.</param>
    /// <returns>The records to write.</returns>
    public List<EventRecord> RetryDeferred(DateTimeOffset now)
    {
        var list = new List<EventRecord>();
        foreach (var record in deferred)
        {
            if (record.IsWritePending || record.UnsentCount == 0)
            {
                continue;
            }

            if (spamFilter.TryTake(SpamKey.Of(record.Key), now))
            {
                list.Add(record);
            }
        }

        foreach (var record in list)
        {
            StartWrite(record);
        }

        for (var node = deferred.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.UnsentCount == 0)
            {
                Undefer(node.Value);
                ReleaseIfIdle(node.Value);
            }

            node = next;
        }

        return list;
    }

    private CorrelationResult StartWrite(EventRecord record)
    {
        record.IsWritePending = true;
        Undefer(record);

        return new CorrelationResult(record.ServerCount == 0 ? CorrelationDecision.Create : CorrelationDecision.Patch, record);
    }

    private void ReleaseIfIdle(EventRecord record)
    {
        if (!record.IsWritePending && !record.IsDeferred && evictedBusy.TryGetValue(record.Key, out var busy) && ReferenceEquals(busy, record))
        {
            evictedBusy.Remove(record.Key);
        }
    }

    private void MarkDeferred(EventRecord record, string cause)
    {
        record.DeferCause = cause;
        if (record.IsDeferred)
        {
            return;
        }

        if (deferred.Count >= options.MaxDeferredEvents && deferred.First is { } oldest)
        {
            DropDeferred(oldest.Value);
        }

        record.DeferredNode = deferred.AddLast(record);
    }

    // The oldest waiting observations give way to the newest, which describe the current state: lost, so counted and logged.
    private void DropDeferred(EventRecord record)
    {
        var lost = record.UnsentCount;
        Undefer(record);
        record.UnsentCount = 0;
        ReleaseIfIdle(record);
        if (record.ServerCount == 0 && events.TryGetValue(record.Key, out var current) && ReferenceEquals(current, record))
        {
            events.Remove(record.Key);
        }

        onDeferredDropped?.Invoke(record, lost);
    }

    private void Undefer(EventRecord record)
    {
        if (record.DeferredNode is { } node)
        {
            deferred.Remove(node);
            record.DeferredNode = null;
        }
    }

}
