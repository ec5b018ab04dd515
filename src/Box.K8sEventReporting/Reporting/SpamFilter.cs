using Box.K8sEventReporting.Internal;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Bounds Event writes per (source, object, type), as client-go's spam filter keys it: a token bucket of
/// <see cref="EventReporterOptions.SpamFilterBurst"/> tokens, one more every <see cref="EventReporterOptions.SpamFilterRefillInterval"/>.
/// </summary>
/// <remarks>Used under the recorder's lock only.</remarks>
internal sealed class SpamFilter(EventReporterOptions options)
{
    private readonly LruCache<SpamKey, TokenBucket> buckets = new(options.CacheSize);

    /// <summary>Takes a token for a write about <paramref name="key"/>, creating its bucket (full) on first use.</summary>
    public bool TryTake(SpamKey key, DateTimeOffset now)
    {
        if (!buckets.TryGetValue(key, out var bucket))
        {
            bucket = TokenBucket.WithRefillInterval(options.SpamFilterBurst, options.SpamFilterRefillInterval, Position(now));
            buckets.Set(key, bucket);
        }

        return bucket.TryTake(Position(now));
    }

    /// <summary>Takes a token when <paramref name="key"/> has a bucket; <see langword="true"/> without one (nothing to spend).</summary>
    public bool TryTakeIfKnown(SpamKey key, DateTimeOffset now) => !buckets.TryGetValue(key, out var bucket) || bucket.TryTake(Position(now));

    /// <summary>The spam filter's position on the time axis: the instant as UTC ticks.</summary>
    private static TimeSpan Position(DateTimeOffset now) => TimeSpan.FromTicks(now.UtcTicks);
}
