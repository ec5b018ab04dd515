using System.Diagnostics;
using Box.K8sEventReporting.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Reporting;

/// <summary>How one Event write ended.</summary>
internal enum EventWriteOutcome
{
    /// <summary>The API server holds the Event with the new count.</summary>
    Written,

    /// <summary>The API server refused it for good (a permanent 4xx, or a 404 on create); its observations are discarded.</summary>
    Rejected,

    /// <summary>Every attempt failed; its observations wait for the next write.</summary>
    Failed,
}

/// <summary>
/// Carries one Event write to the API server: a create, or a patch when the Event is known to exist (written earlier by this
/// process, or listed by <see cref="EventCountPrimer"/> as written before it started); a create answered 409 reads the
/// existing count and patches it, a patch answered 404 creates. 5xx, 429 (honouring <c>Retry-After</c>), 408 and
/// network errors are retried with exponential backoff and jitter up to <see cref="EventReporterOptions.MaxWriteAttempts"/>.
/// </summary>
/// <remarks>The I/O half of <see cref="KubernetesEventRecorder"/>, which decides what to write and when.</remarks>
internal sealed class EventWriteRetrier(IEventWriter writer, EventReporterOptions options, ILogger logger, TimeProvider timeProvider, Func<double> jitter, ReportingMetrics? metrics = null)
{
    private readonly EventCountPrimer primer = new(writer, logger, metrics);
    // Read per write: with EventApiVersion.Automatic the writer settles the API at its first write.
    private KeyValuePair<string, object?> ApiTag =>
        new("api", (writer.Api != EventApiVersion.Automatic ? writer.Api : options.ApiVersion) == EventApiVersion.EventsV1 ? "events.k8s.io/v1" : "v1");

    private enum Step
    {
        Create,
        Read,
        Patch,
    }

    /// <summary>Writes <paramref name="write"/> on top of the count the server is known to hold.</summary>
    /// <returns>The outcome and, when written, the count the server now holds.</returns>
    public async Task<(EventWriteOutcome Outcome, long ServerCount)> WriteAsync(EventWrite write, long knownServerCount, CancellationToken cancellationToken)
    {
        var step = knownServerCount > 0 ? Step.Patch : Step.Create;
        var baseCount = knownServerCount;
        if (step == Step.Create && await primer.TakeAsync(write, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            // Written before this process started (listed once at the first create): patch it, no 409 and no read.
            (step, baseCount) = (Step.Patch, existing);
        }

        var failures = 0;

        // 409 -> read -> 404 -> create -> 409 ... cannot loop for ever.
        for (var steps = 0; steps < (options.MaxWriteAttempts * 3) + 3; steps++)
        {
            using var activity = K8sEventReportingDiagnostics.ActivitySource.StartActivity("k8s_event_reporting.event.write", ActivityKind.Client);
            activity?.SetTag("k8s_event_reporting.step", step.ToString());
            try
            {
                switch (step)
                {
                    case Step.Create:
                        await writer.CreateAsync(write, baseCount + write.Delta, cancellationToken).ConfigureAwait(false);
                        metrics?.Created.Add(1, ApiTag);
                        return (EventWriteOutcome.Written, baseCount + write.Delta);
                    case Step.Read:
                        baseCount = await writer.ReadCountAsync(write, cancellationToken).ConfigureAwait(false);
                        step = Step.Patch;
                        continue;
                    default:
                        await writer.PatchAsync(write, baseCount + write.Delta, cancellationToken).ConfigureAwait(false);
                        metrics?.Patched.Add(1, ApiTag);
                        return (EventWriteOutcome.Written, baseCount + write.Delta);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
                var kind = ApiErrorClassifier.Classify(ex, out var retryAfter, out var statusCode);
                if (kind == ApiErrorKind.Conflict && step == Step.Create)
                {
                    step = Step.Read;
                    continue;
                }

                if (kind == ApiErrorKind.NotFound && step != Step.Create)
                {
                    baseCount = step == Step.Read ? 0 : baseCount;
                    step = Step.Create;
                    continue;
                }

                if (kind is ApiErrorKind.Permanent or ApiErrorKind.NotFound)
                {
                    Log.EventWriteRejected(logger, ex, write.Namespace, write.Name, statusCode);
                    metrics?.Dropped.Add(1, new KeyValuePair<string, object?>("cause", "rejected"));
                    return (EventWriteOutcome.Rejected, 0);
                }

                failures++;
                if (failures >= options.MaxWriteAttempts)
                {
                    Log.EventWriteFailed(logger, ex, write.Namespace, write.Name, failures, statusCode);
                    metrics?.Failed.Add(1, ApiTag);
                    return (EventWriteOutcome.Failed, 0);
                }

                var delay = options.RetryDelay(failures, jitter(), retryAfter);
                Log.EventWriteRetrying(logger, ex, write.Namespace, write.Name, statusCode, failures, options.MaxWriteAttempts, delay);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }

        metrics?.Failed.Add(1, ApiTag);
        return (EventWriteOutcome.Failed, 0);
    }
}
