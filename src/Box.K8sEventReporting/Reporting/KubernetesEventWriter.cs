using System.Runtime.CompilerServices;
using Box.K8sEventReporting.Internal;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Writes core/v1 or events.k8s.io/v1 Events through KubernetesClient, in the shapes the real API server accepts.</summary>
/// <remarks>
/// core/v1 Events are written without <c>eventTime</c>, as client-go's recorder does: <c>kubectl describe</c> shows
/// count and timestamps. Setting <c>eventTime</c> on core/v1 would make <c>action</c> required (transcript 13d).
/// events.k8s.io/v1 Events carry <c>eventTime</c> (first seen), <c>series</c> from the second occurrence on (the server
/// requires <c>series.count</c> of at least 2 with <c>lastObservedTime</c>, transcript 12g), and an <c>action</c>.
/// Patches are JSON merge patches, which both APIs accept.
/// </remarks>
internal sealed class KubernetesEventWriter : IEventWriter
{
    private const int ListPageSize = 500;
    private readonly IKubernetes client;
    private readonly EventReporterOptions options;
    private int settled = (int)EventApiVersion.Automatic;

    public KubernetesEventWriter(IKubernetes client, EventReporterOptions options)
    {
        this.client = client;
        this.options = options;
    }

    /// <summary>Gets the API settled so far: <see cref="EventApiVersion.Automatic"/> until the server has been asked.</summary>
    public EventApiVersion Api => options.ApiVersion != EventApiVersion.Automatic ? options.ApiVersion : (EventApiVersion)Volatile.Read(ref settled);

    public async Task CreateAsync(EventWrite write, long count, CancellationToken cancellationToken)
    {
        if (await UsesEventsV1Async(cancellationToken).ConfigureAwait(false))
        {
            await client.EventsV1.CreateNamespacedEventAsync(ToEventsV1(write, count), write.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await client.CoreV1.CreateNamespacedEventAsync(ToCoreV1(write, count), write.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task PatchAsync(EventWrite write, long count, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object>(3);
        if (await UsesEventsV1Async(cancellationToken).ConfigureAwait(false))
        {
            body["series"] = new Eventsv1EventSeries { Count = (int)Math.Min(count, int.MaxValue), LastObservedTime = MicroTime.From(write.LastTimestamp) };
            if (write.IsAggregate)
            {
                body["note"] = write.Message;
            }

            await client.EventsV1.PatchNamespacedEventAsync(new V1Patch(KubernetesJson.Serialize(body), V1Patch.PatchType.MergePatch), write.Name, write.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        body["count"] = (int)Math.Min(count, int.MaxValue);
        body["lastTimestamp"] = Seconds(write.LastTimestamp);
        if (write.IsAggregate)
        {
            body["message"] = write.Message;
        }

        await client.CoreV1.PatchNamespacedEventAsync(new V1Patch(KubernetesJson.Serialize(body), V1Patch.PatchType.MergePatch), write.Name, write.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> ReadCountAsync(EventWrite write, CancellationToken cancellationToken)
    {
        if (await UsesEventsV1Async(cancellationToken).ConfigureAwait(false))
        {
            var existing = await client.EventsV1.ReadNamespacedEventAsync(write.Name, write.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return existing.Series?.Count ?? existing.DeprecatedCount ?? 1;
        }

        var core = await client.CoreV1.ReadNamespacedEventAsync(write.Name, write.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        return core.Count is > 0 ? core.Count.Value : 1;
    }

    public async IAsyncEnumerable<(string Namespace, string Name, long Count)> ListOwnAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continueToken = null;
        var eventsV1 = await UsesEventsV1Async(cancellationToken).ConfigureAwait(false);
        do
        {
            if (eventsV1)
            {
                var page = await client.EventsV1.ListEventForAllNamespacesAsync(
                    continueParameter: continueToken, fieldSelector: "reportingController=" + options.ReportingComponent, limit: ListPageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var e in page.Items)
                {
                    yield return (e.Metadata.NamespaceProperty, e.Metadata.Name, e.Series?.Count ?? e.DeprecatedCount ?? 1);
                }

                continueToken = page.Metadata.ContinueProperty;
            }
            else
            {
                var page = await client.CoreV1.ListEventForAllNamespacesAsync(
                    continueParameter: continueToken, fieldSelector: "reportingComponent=" + options.ReportingComponent, limit: ListPageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var e in page.Items)
                {
                    yield return (e.Metadata.NamespaceProperty, e.Metadata.Name, e.Count is > 0 ? e.Count.Value : 1);
                }

                continueToken = page.Metadata.ContinueProperty;
            }
        }
        while (!string.IsNullOrEmpty(continueToken));
    }

    /// <summary>
    /// <see cref="EventApiVersion.Automatic"/>: asks the server once, at the first write, whether it serves
    /// <c>events.k8s.io/v1</c> events (every server since Kubernetes 1.19 does; discovery is open to every authenticated
    /// user). A 404 settles on core/v1; any other failure is thrown like a failed write (and retried like one), unsettled.
    /// </summary>
    private async ValueTask<bool> UsesEventsV1Async(CancellationToken cancellationToken)
    {
        if (Api != EventApiVersion.Automatic)
        {
            return Api == EventApiVersion.EventsV1;
        }

        try
        {
            var resources = await client.EventsV1.GetAPIResourcesAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref settled, (int)(resources.Resources?.Any(static r => r.Name == "events") == true ? EventApiVersion.EventsV1 : EventApiVersion.CoreV1));
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            Volatile.Write(ref settled, (int)EventApiVersion.CoreV1);
        }

        return Api == EventApiVersion.EventsV1;
    }

    // metav1.Time has second precision on the wire.
    private static DateTime Seconds(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private Corev1Event ToCoreV1(EventWrite write, long count) => new()
    {
        ApiVersion = "v1",
        Kind = "Event",
        Metadata = new V1ObjectMeta { Name = write.Name, NamespaceProperty = write.Namespace },
        InvolvedObject = write.InvolvedObject,
        Reason = write.Reason,
        Message = write.Message,
        Type = write.Type.ToString(),
        Source = new V1EventSource { Component = options.ReportingComponent },
        FirstTimestamp = Seconds(write.FirstTimestamp),
        LastTimestamp = Seconds(write.LastTimestamp),
        Count = (int)Math.Min(count, int.MaxValue),
        Action = write.Action,
        ReportingComponent = options.ReportingComponent,
        ReportingInstance = options.ReportingInstance,
    };

    private Eventsv1Event ToEventsV1(EventWrite write, long count) => new()
    {
        ApiVersion = "events.k8s.io/v1",
        Kind = "Event",
        Metadata = new V1ObjectMeta { Name = write.Name, NamespaceProperty = write.Namespace },
        EventTime = MicroTime.From(write.FirstTimestamp),
        Series = count >= 2 ? new Eventsv1EventSeries { Count = (int)Math.Min(count, int.MaxValue), LastObservedTime = MicroTime.From(write.LastTimestamp) } : null,
        ReportingController = options.ReportingComponent,
        ReportingInstance = options.ReportingInstance,
        Action = write.Action ?? options.DefaultAction,
        Reason = write.Reason,
        Regarding = write.InvolvedObject,
        Note = write.Message,
        Type = write.Type.ToString(),
    };
}
