using System.Diagnostics.Metrics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Records Kubernetes Events through KubernetesClient the way client-go's <c>EventRecorder</c> does, and better:
/// correlation in memory, a bounded queue to a background sink, retries with backoff, and deterministic Event names
/// so that a restarted process continues an Event's count instead of creating a second Event object.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Record"/> never waits for the API server. Identical events (same object, source, type, reason and message)
/// raise one Event's <c>count</c> and <c>lastTimestamp</c> through a patch; while a write for an Event waits, repeats only
/// raise the count that write will carry, so a storm of identical reports costs a handful of writes. Similar events
/// (same object, type and reason) with more distinct messages than <see cref="EventReporterOptions.AggregationThreshold"/>
/// within <see cref="EventReporterOptions.AggregationWindow"/> are combined into one aggregate Event.
/// </para>
/// <para>
/// A token bucket per (source, object, type), as client-go keys it, bounds writes (<see cref="EventReporterOptions.SpamFilterBurst"/>,
/// one token per <see cref="EventReporterOptions.SpamFilterRefillInterval"/>). A new Warning without a token is dropped and counted
/// (<c>k8s_event_reporting.events.dropped</c>, cause <c>spam_filter</c>); a repeat, or a new Normal (the Event that says a
/// resource recovered), without a token is deferred and counted (<c>k8s_event_reporting.events.deferred</c>): it is written as
/// soon as the object has a token again (checked every <see cref="EventReporterOptions.SpamFilterRefillInterval"/>, and on
/// every report), or by <see cref="FlushAsync"/>. Writes given up earlier (queue full, retries exhausted) are retried the
/// same way. At most <see cref="EventReporterOptions.MaxDeferredEvents"/> Events wait so; past it the oldest is dropped,
/// counted (cause <c>deferred_full</c>) and logged with why it waited.
/// </para>
/// <para>
/// The queue holds at most <see cref="EventReporterOptions.QueueCapacity"/> distinct Event writes. When full, the oldest
/// waiting write is dropped and counted (cause <c>queue_full</c>): the newest reports describe the current state, and the
/// dropped write's observations are kept and ride with that Event's next write, so only timeliness is lost.
/// Events whose report yields to others (by <see cref="ValidationProblemReporter{T}"/>, the Event on the reported resource
/// itself) wait in a second queue of the same capacity, written only when no other Event write is queued: they never
/// delay the Warnings on the pods.
/// </para>
/// <para>
/// Messages have control characters escaped as Go's <c>%q</c> does (a forged line in <c>kubectl describe</c> is impossible),
/// then are cut to 1024 bytes. Event names are <c>{object name}.{hash of uid, source, type, reason, message}</c>. On a create that answers 409 the
/// existing Event is read and patched to its count plus the new observations; a patch that answers 404 turns into a create.
/// 5xx, 429 (honouring <c>Retry-After</c>), 408 and network errors are retried with exponential backoff and jitter up to
/// <see cref="EventReporterOptions.MaxWriteAttempts"/>; other 4xx are dropped with a log line. Disposing flushes the queue
/// within <see cref="EventReporterOptions.ShutdownTimeout"/>.
/// </para>
/// </remarks>
internal sealed class KubernetesEventRecorder : IEventRecorder, IAsyncDisposable, IDisposable
{
    private readonly object gate = new();
    private readonly EventReporterOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly EventCorrelator correlator;
    private readonly EventWriteLanes lanes;
    private readonly ITimer deferredTimer;
    private readonly ReportingMetrics? metrics;
    private int disposed;

    /// <summary>Initializes a new instance of the <see cref="KubernetesEventRecorder"/> class and starts its background writers.</summary>
    /// <param name="client">The Kubernetes client that writes the Events.</param>
    /// <param name="options">The options; read once, here.</param>
    /// <param name="logger">Logs every event and every problem; optional.</param>
    /// <param name="timeProvider">The clock for timestamps, spam filter and retry delays; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="meterFactory">Where the recorder's metrics go (<see cref="Diagnostics.K8sEventReportingDiagnostics"/>); none are recorded when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">The options are invalid; the message lists every problem.</exception>
    public KubernetesEventRecorder(IKubernetes client, IOptions<EventReporterOptions> options, ILogger<KubernetesEventRecorder>? logger = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
        : this(client ?? throw new ArgumentNullException(nameof(client)), Snapshot(options), logger, timeProvider, ReportingMetrics.Create(meterFactory))
    {
    }

    private KubernetesEventRecorder(IKubernetes client, EventReporterOptions options, ILogger? logger, TimeProvider? timeProvider, ReportingMetrics? metrics)
        : this(new KubernetesEventWriter(client, options), options, logger, timeProvider, null, metrics)
    {
    }

    internal KubernetesEventRecorder(IEventWriter writer, EventReporterOptions options, ILogger? logger, TimeProvider? timeProvider, Func<double>? jitter, ReportingMetrics? metrics = null)
    {
        this.metrics = metrics;
        EventReporterOptionsValidator.ThrowIfInvalid(options);
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        correlator = new EventCorrelator(options, OnDeferredDropped);
#pragma warning disable CA5394 // Retry jitter needs no cryptographic randomness.
        var retrier = new EventWriteRetrier(writer, options, this.logger, this.timeProvider, jitter ?? Random.Shared.NextDouble, metrics);
#pragma warning restore CA5394
        lanes = new EventWriteLanes(gate, correlator, retrier, options, this.logger, this.timeProvider, metrics);
        deferredTimer = this.timeProvider.CreateTimer(static state => ((KubernetesEventRecorder)state!).WriteDeferred(), this, options.SpamFilterRefillInterval, options.SpamFilterRefillInterval);
    }

    /// <summary>Gets the number of Event writes queued or in flight.</summary>
    public long PendingWrites => lanes.Outstanding;

    /// <inheritdoc />
    public void Record(V1ObjectReference involvedObject, EventReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        RecordCore(involvedObject, report, report.YieldsToOthers);
    }

    /// <summary>Writes every held-back repeat and waits until no Event write is queued or in flight.</summary>
    /// <param name="cancellationToken">Stops waiting; the writes continue.</param>
    /// <returns>A task that completes when the queue is empty.</returns>
    /// <remarks>Repeats deferred by the spam filter are written regardless of it: a flush is where their counts land.</remarks>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            foreach (var record in correlator.TakeDeferred())
            {
                lanes.Enqueue(record);
            }
        }

        await lanes.WaitIdleAsync(cancellationToken).ConfigureAwait(false);
    }

    private void RecordCore(V1ObjectReference involvedObject, EventReport report, bool inBackground)
    {
        ArgumentNullException.ThrowIfNull(involvedObject);
        ArgumentNullException.ThrowIfNull(report);
        ValidateReport(report);
        if (string.IsNullOrEmpty(involvedObject.Kind) || string.IsNullOrEmpty(involvedObject.Name))
        {
            throw new ArgumentException($"The involved object needs a kind and a name (was kind '{involvedObject.Kind}', name '{involvedObject.Name}').", nameof(involvedObject));
        }

        var @namespace = string.IsNullOrEmpty(involvedObject.NamespaceProperty) ? "default" : involvedObject.NamespaceProperty;
        if (involvedObject.Kind == "Event" && involvedObject.ApiVersion is null or "" or "v1" or "events.k8s.io/v1")
        {
            Log.EventAboutEventDropped(logger, @namespace, involvedObject.Name, report.Reason);
            metrics?.Dropped.Add(1, new KeyValuePair<string, object?>("cause", "about_event"));
            return;
        }

        var message = EventMessage.Sanitize(report.Message ?? string.Empty);
        if (!ReferenceEquals(message, report.Message))
        {
            report = report with { Message = message };
        }

        metrics?.Reported.Add(1, new KeyValuePair<string, object?>("type", report.Type == EventType.Warning ? "Warning" : "Normal"));
        Log.EventRecorded(logger, options.EventLogLevel, involvedObject.Kind, @namespace, involvedObject.Name, report.Type, report.Reason, message);

        if (Volatile.Read(ref disposed) != 0)
        {
            metrics?.Dropped.Add(1, new KeyValuePair<string, object?>("cause", "shutdown"));
            return;
        }

        var objectKey = new InvolvedObjectKey(involvedObject.Kind, @namespace, involvedObject.Name, involvedObject.Uid ?? string.Empty);
        CorrelationDecision decision;
        lock (gate)
        {
            var result = correlator.Correlate(objectKey, involvedObject, report, timeProvider.GetUtcNow());
            decision = result.Decision;
            result.Record.IsBackground = inBackground;
            if (decision is CorrelationDecision.Create or CorrelationDecision.Patch)
            {
                lanes.Enqueue(result.Record);
            }
        }

        if (decision == CorrelationDecision.Drop)
        {
            metrics?.Dropped.Add(1, new KeyValuePair<string, object?>("cause", "spam_filter"));
            Log.EventDroppedBySpamFilter(logger, involvedObject.Kind, @namespace, involvedObject.Name, report.Reason);
        }
        else if (decision == CorrelationDecision.Defer)
        {
            metrics?.Deferred.Add(1, new KeyValuePair<string, object?>("cause", "spam_filter"));
        }
    }


    /// <summary>Flushes within <see cref="EventReporterOptions.ShutdownTimeout"/>, then stops the background writers.</summary>
    /// <returns>A task that completes when the writers have stopped.</returns>
    /// <remarks>Writes still waiting at the deadline are logged and counted as dropped (cause <c>shutdown</c>). Later reports are dropped and counted.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        using (var deadline = new CancellationTokenSource(options.ShutdownTimeout, timeProvider))
        {
            try
            {
                await FlushAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                var lost = lanes.Outstanding;
                Log.EventsLostAtShutdown(logger, lost, options.ShutdownTimeout);
                metrics?.Dropped.Add(lost, new KeyValuePair<string, object?>("cause", "shutdown"));
            }
        }

        await deferredTimer.DisposeAsync().ConfigureAwait(false);
        await lanes.StopAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the background writers at once, without flushing; prefer <see cref="DisposeAsync"/>.</summary>
    /// <remarks>Writes still waiting are logged and counted as dropped (cause <c>shutdown</c>).</remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        var lost = lanes.Outstanding;
        if (lost > 0)
        {
            Log.EventsLostAtShutdown(logger, lost, TimeSpan.Zero);
            metrics?.Dropped.Add(lost, new KeyValuePair<string, object?>("cause", "shutdown"));
        }

        deferredTimer.Dispose();
        lanes.Dispose();
    }

    internal static EventReporterOptions Snapshot(IOptions<EventReporterOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value ?? throw new ArgumentException("The options have no value.", nameof(options));
        return new EventReporterOptions
        {
            ReportingComponent = o.ReportingComponent,
            ReportingInstance = o.ReportingInstance,
            ApiVersion = o.ApiVersion,
            DefaultAction = o.DefaultAction,
            AggregationWindow = o.AggregationWindow,
            AggregationThreshold = o.AggregationThreshold,
            SpamFilterBurst = o.SpamFilterBurst,
            SpamFilterRefillInterval = o.SpamFilterRefillInterval,
            CacheSize = o.CacheSize,
            QueueCapacity = o.QueueCapacity,
            MaxDeferredEvents = o.MaxDeferredEvents,
            MaxConcurrentWrites = o.MaxConcurrentWrites,
            MaxWriteAttempts = o.MaxWriteAttempts,
            RetryBaseDelay = o.RetryBaseDelay,
            RetryMaxDelay = o.RetryMaxDelay,
            ShutdownTimeout = o.ShutdownTimeout,
            EventLogLevel = o.EventLogLevel,
            MaxPodsPerOwner = o.MaxPodsPerOwner,
            ConditionType = o.ConditionType,
        };
    }

    private static void ValidateReport(EventReport report)
    {
        if (report.Type is not (EventType.Normal or EventType.Warning))
        {
            throw new ArgumentException($"Event type must be Normal or Warning (was {(int)report.Type}).", nameof(report));
        }

        if (report.Action is { Length: 0 or > KubernetesNames.MaxReasonLength })
        {
            throw new ArgumentException($"Event action must be 1-128 characters or null (was '{report.Action}').", nameof(report));
        }
    }

    // Timer callback: repeats held back by the spam filter, and writes given up earlier (queue full, retries exhausted),
    // get another write once their object has a token again, so their counts land without waiting for a new report.
    private void WriteDeferred()
    {
        if (Volatile.Read(ref disposed) != 0)
        {
            return;
        }

        lock (gate)
        {
            foreach (var record in correlator.RetryDeferred(timeProvider.GetUtcNow()))
            {
                lanes.Enqueue(record);
            }
        }
    }

    // Called by the correlator, under the gate: the oldest waiting Event gave way to a newer one; its observations are lost.
    private void OnDeferredDropped(EventRecord record, long lost)
    {
        metrics?.Dropped.Add(lost, new KeyValuePair<string, object?>("cause", "deferred_full"));
        Log.DeferredEventDropped(logger, options.MaxDeferredEvents, record.Key.Object.Namespace, record.Name, lost, record.DeferCause);
    }
}
