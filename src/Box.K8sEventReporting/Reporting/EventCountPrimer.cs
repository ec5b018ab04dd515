using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// The counts of the Events this component wrote before it (re)started, read with one paged LIST the first time a new
/// Event is about to be created: an Event that already exists under its deterministic name is then patched to its count plus
/// the new observations at once, instead of a create answered 409, a GET and the patch.
/// </summary>
/// <remarks>
/// Holds only this component's own Events (selected by <c>reportingComponent</c>), each until it is written again or the
/// process ends. When the LIST is not allowed or fails, one line says so and every Event continues its count the slower way.
/// </remarks>
internal sealed class EventCountPrimer(IEventWriter writer, ILogger logger, ReportingMetrics? metrics = null)
{
    private readonly object gate = new();
    private Task<Dictionary<string, long>?>? listing;

    /// <summary>Returns, and forgets, the count the API server held at start for the Event named in <paramref name="write"/>.</summary>
    /// <returns>The count, or <see langword="null"/> when no such Event existed (or the counts could not be listed).</returns>
    public async Task<long?> TakeAsync(EventWrite write, CancellationToken cancellationToken)
    {
        Task<Dictionary<string, long>?> counts;
        lock (gate)
        {
            counts = listing ??= ListAsync(cancellationToken);
        }

        var known = await counts.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (known is null)
        {
            return null;
        }

        lock (known)
        {
            return known.Remove(Key(write.Namespace, write.Name), out var count) ? count : null;
        }
    }

    private static string Key(string @namespace, string name) => @namespace + "/" + name;

    private async Task<Dictionary<string, long>?> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            await foreach (var (ns, name, count) in writer.ListOwnAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[Key(ns, name)] = count;
            }

            Log.EventCountsListed(logger, counts.Count);
            return counts;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lock (gate)
            {
                listing = null;   // the next write, if any, lists again
            }

            throw;
        }
#pragma warning disable CA1031 // Any failure leaves the slower way (read after a 409), which needs no listing.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ApiErrorClassifier.Classify(ex, out _, out var statusCode);
            Log.EventCountsNotListed(logger, statusCode, ex.Message);
            metrics?.EventCountListFailures.Add(1);
            return null;
        }
    }
}
