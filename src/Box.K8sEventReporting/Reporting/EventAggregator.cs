namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Decides when similar Events (same object, source, type and reason) with too many distinct messages within the
/// aggregation window become one aggregate Event, as client-go's <c>EventAggregator</c> does.
/// </summary>
/// <remarks>Used under the recorder's lock only.</remarks>
internal sealed class EventAggregator(EventReporterOptions options)
{
    /// <summary>The message prefix of an aggregate Event, as client-go writes it.</summary>
    public const string AggregatePrefix = "(combined from similar events): ";

    /// <summary>Stands in for the message in an aggregate's key: no real message can contain a NUL.</summary>
    public const string AggregateKeyMessage = "\0aggregate";

    private readonly LruCache<AggregateKey, AggregateRecord> aggregates = new(options.CacheSize);

    /// <summary>Notes <paramref name="message"/> and returns whether the Events of <paramref name="key"/> are aggregated now.</summary>
    public bool ShouldAggregate(AggregateKey key, string message, DateTimeOffset now)
    {
        if (!aggregates.TryGetValue(key, out var aggregate) || now - aggregate.LastSeen > options.AggregationWindow)
        {
            aggregate = new AggregateRecord();
            aggregates.Set(key, aggregate);
        }

        aggregate.LastSeen = now;
        if (aggregate.IsAggregating)
        {
            return true;
        }

        if (aggregate.Messages.Add(message) && aggregate.Messages.Count > options.AggregationThreshold)
        {
            aggregate.IsAggregating = true;
            aggregate.Messages.Clear();
            return true;
        }

        return false;
    }

    private sealed class AggregateRecord
    {
        public HashSet<string> Messages { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset LastSeen { get; set; }

        public bool IsAggregating { get; set; }
    }
}
