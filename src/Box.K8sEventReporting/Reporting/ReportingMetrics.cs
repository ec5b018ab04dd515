using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Diagnostics;

namespace Box.K8sEventReporting.Reporting;

/// <summary>The reporting instruments, on the library's meter.</summary>
internal sealed class ReportingMetrics(Meter meter)
{
    /// <summary>Gets the reporting metrics from <paramref name="meterFactory"/>, or none without one.</summary>
    public static ReportingMetrics? Create(IMeterFactory? meterFactory) =>
        K8sEventReportingDiagnostics.CreateMeter(meterFactory) is { } meter ? new ReportingMetrics(meter) : null;

    /// <summary>Every report handed to the recorder. Tag <c>type</c>.</summary>
    public Counter<long> Reported { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.events.reported", "{event}", "Events handed to the recorder.");

    /// <summary>Event objects created. Tag <c>api</c>.</summary>
    public Counter<long> Created { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.events.created", "{event}", "Event objects created on the API server.");

    /// <summary>Patches of an existing Event's count (identical or aggregated events). Tag <c>api</c>.</summary>
    public Counter<long> Patched { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.events.patched", "{event}", "Patches that raised an existing Event's count.");

    /// <summary>Reports that were never written. Tag <c>cause</c>: spam_filter, queue_full, deferred_full (by observations lost), rejected, about_event, shutdown.</summary>
    public Counter<long> Dropped { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.events.dropped", "{event}", "Events or writes dropped, by cause.");

    /// <summary>Repeats whose write the spam filter held back; their count rides with the Event's next write.</summary>
    public Counter<long> Deferred { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.events.deferred", "{event}", "Repeats held back by the spam filter; counted on the next write.");

    /// <summary>Writes that failed after the retry budget.</summary>
    public Counter<long> Failed { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.events.failed", "{event}", "Event writes that failed after every retry.");

    /// <summary>Event writes waiting or in flight.</summary>
    public UpDownCounter<long> QueueLength { get; } = meter.CreateUpDownCounter<long>(
        "k8s_event_reporting.events.queue.length", "{event}", "Event writes queued or in flight.");

    /// <summary>Status writes waiting or in flight, one per resource.</summary>
    public UpDownCounter<long> StatusQueueLength { get; } = meter.CreateUpDownCounter<long>(
        "k8s_event_reporting.status.queue.length", "{resource}", "Resources with a status write queued, backing off or in flight.");

    /// <summary>Status posts folded into one still waiting for the same resource.</summary>
    public Counter<long> StatusWritesCoalesced { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.status.coalesced", "{write}", "Status writes folded into a newer one for the same resource before being written.");

    /// <summary>Status writes never made: refused for good by the API server, or still waiting at the shutdown deadline.</summary>
    public Counter<long> StatusWritesLost { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.status.lost", "{write}", "Status writes refused for good or left at the shutdown deadline.");

    /// <summary>Failed attempts to list this component's existing Events at start (their counts are then read one by one after a 409).</summary>
    public Counter<long> EventCountListFailures { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.events.count_list_failures", "{list}", "Failed lists of this component's existing Events at start.");

    /// <summary>Times a status writer waited for the controllers' reconciles to end before writing (the floor first).</summary>
    public Counter<long> StatusWritesYielded { get; } = meter.CreateCounter<long>(
        "k8s_event_reporting.status.yielded", "{wait}", "Times status writes waited for reconciles to end before writing.");
}
