using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Primitives;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// A shared informer for one Kubernetes type: paged list, then watch with bookmarks from the list's resourceVersion,
/// resumed from the last resourceVersion seen, relisted on 410 Gone, backed by a thread-safe cache with custom indexes,
/// and fanned out to any number of consumers.
/// </summary>
/// <typeparam name="T">A custom resource or built-in type carrying <see cref="KubernetesEntityAttribute"/>.</typeparam>
/// <remarks>
/// <para>
/// The list+watch starts on the first enumeration of <see cref="WatchAsync"/> or call of
/// <see cref="IResourceCache{T}.WaitForInitialSyncAsync"/>, and stops on <see cref="DisposeAsync"/>. One instance holds one
/// list+watch connection per scope (every namespace, or one per namespace in <see cref="CustomResourceWatcherOptions.Namespaces"/>)
/// however many consumers subscribe: register it as a singleton per type.
/// </para>
/// <para>
/// Failures never escape: an unreachable or refusing API server is retried with exponential backoff (honouring
/// <c>Retry-After</c>) while <see cref="IResourceCache{T}.HasSynced"/> stays <see langword="false"/>; an object that does not
/// deserialize is delivered as <see cref="ResourceChangeType.DecodeFailed"/> and the watch goes on.
/// </para>
/// <para>
/// It talks to the API server through the given client's own request path, so it needs a <see cref="Kubernetes"/> instance:
/// its <see cref="Kubernetes.HttpClient"/> (TLS, client certificates, proxy, handlers), credentials, HTTP/2 unless
/// <c>DisableHttp2</c>, and the kubeconfig's <c>tls-server-name</c>.
/// </para>
/// </remarks>
internal sealed class CustomResourceWatcher<T> : ICustomResourceWatcher<T>, IAsyncDisposable, WatcherMetrics.IWatcherGaugeSource
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly WatcherMetrics? metrics;
    private IDisposable? metricsObservation;
    private readonly KubernetesEntityMetadata resource;
    private readonly WatcherSettings settings;
    private readonly ResourceCache<T> cache;
    private readonly ResourceDecoder<T> decoder;
    private readonly ResourceHttpClient<T> client;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly ConsumerFanOut<T> consumers;
    private readonly Action start;
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ListWatchSink<T> sink;
    private readonly CancellationTokenSource stopping = new();
    private readonly KeyValuePair<string, object?> kindTag;
    private readonly object startGate = new();
    private Task? running;
    private ITimer? resyncTimer;
    private volatile bool disposed;

    /// <summary>Creates a watcher; nothing is sent to the API server until it is first used.</summary>
    /// <param name="kubernetes">The client (a <see cref="Kubernetes"/> instance) whose configuration, credentials and HTTP pipeline are used.</param>
    /// <param name="options">Scope, selectors, timing and cache settings; defaults when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for backoffs, timeouts and resyncs; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="meterFactory">Where the watcher's metrics go (<see cref="Diagnostics.K8sEventReportingDiagnostics"/>); none are recorded when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kubernetes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="kubernetes"/> is not a <see cref="Kubernetes"/>, <typeparamref name="T"/> has no usable
    /// <see cref="KubernetesEntityAttribute"/>, or <paramref name="options"/> are invalid (the message lists every problem).
    /// </exception>
    public CustomResourceWatcher(
        IKubernetes kubernetes,
        CustomResourceWatcherOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        metrics = WatcherMetrics.Create(meterFactory);
        if (kubernetes is not Kubernetes concrete)
        {
            throw new ArgumentException(
                $"CustomResourceWatcher needs a k8s.Kubernetes client (it uses its HTTP pipeline, base address and credentials), not {kubernetes.GetType().Name}.",
                nameof(kubernetes));
        }

        options ??= new CustomResourceWatcherOptions();
        var errors = options.GetValidationErrors(typeof(T));
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        resource = KubernetesEntityMetadata.Of<T>();
        settings = WatcherSettings.From(resource.Kind, options);
        this.timeProvider = timeProvider ?? TimeProvider.System;
        logger = (ILogger?)loggerFactory?.CreateLogger("Box.K8sEventReporting.Watching.CustomResourceWatcher") ?? NullLogger.Instance;
        kindTag = new("kind", resource.Kind);
        decoder = new ResourceDecoder<T>(new ResourcePreparation<T>(resource, options, logger, metrics).Prepare, skipManagedFields: options.StripManagedFields);
        client = new ResourceHttpClient<T>(concrete, resource, decoder, options.LabelSelector, options.FieldSelector, options.RequestTimeout, this.timeProvider);
        cache = new ResourceCache<T>(options.IndexRegistrations, WaitForInitialSyncAsync, OnIndexError);
        consumers = new ConsumerFanOut<T>(cache, settings.ConsumerBufferSize, resource.Kind, logger, metrics);
        start = EnsureStarted;
        sink = new ListWatchSink<T>(cache, consumers, Math.Max(1, settings.Namespaces.Count), synced, resource.Kind, logger, this.timeProvider, metrics);
    }

    /// <inheritdoc/>
    public IResourceCache<T> Cache => cache;

    Measurement<double>? WatcherMetrics.IWatcherGaugeSource.TimeSinceLastEvent
    {
        get
        {
            var last = sink.LastActivityTimestamp;
            return last == 0 ? null : new Measurement<double>(timeProvider.GetElapsedTime(last).TotalSeconds, kindTag);
        }
    }

    Measurement<long> WatcherMetrics.IWatcherGaugeSource.CacheSize => new(cache.Count, kindTag);

    /// <inheritdoc/>
    /// <remarks>
    /// The stream first yields <see cref="ResourceChangeType.Added"/> for every cached object, then every change in order.
    /// It throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled and ends
    /// (without error) when the watcher is disposed. See <see cref="CustomResourceWatcherOptions.ConsumerBufferSize"/> for
    /// what happens to a consumer that reads too slowly.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The watcher is disposed.</exception>
    public IAsyncEnumerable<ResourceChange<T>> WatchAsync(CancellationToken cancellationToken = default) => consumers.SubscribeAsync(start, cancellationToken);

    /// <summary>Stops the list+watch, ends every consumer's stream, and fails pending waits for the initial sync.</summary>
    /// <returns>A task that completes once the list+watch loops have stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        Task? loops;
        lock (startGate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            loops = running;
        }

        resyncTimer?.Dispose();
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loops is not null)
        {
            try
            {
                await loops.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected on stop.
            }
        }

        lock (cache.SyncRoot)
        {
            consumers.CompleteAll();
        }

        synced.TrySetException(new ObjectDisposedException(GetType().Name, "The watcher was disposed before its initial sync."));
        _ = synced.Task.Exception; // observed: nobody has to wait for it
        metricsObservation?.Dispose();
        stopping.Dispose();
        if (loops is not null)
        {
            Log.WatcherStopped(logger, resource.Kind);
        }
    }

    /// <summary>Gets why the cache has not synced yet (the last list failure, for readiness), or <see langword="null"/>.</summary>
    internal string? SyncProblem => cache.HasSynced ? null : sink.ListProblem;

    private Task WaitForInitialSyncAsync(CancellationToken cancellationToken)
    {
        EnsureStarted();
        return synced.Task.WaitAsync(cancellationToken);
    }

    private void EnsureStarted()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (running is not null)
        {
            return;
        }

        lock (startGate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (running is not null)
            {
                return;
            }

            var scopes = settings.Namespaces.Count == 0 ? [null] : settings.Namespaces.Select(n => (string?)n).ToArray();
            Log.WatcherStarting(logger, resource.Kind, resource.ApiVersion, settings.Namespaces.Count == 0 ? "all namespaces" : string.Join(", ", settings.Namespaces));
            metricsObservation = metrics?.Observe(this);
            var token = stopping.Token;
            var loops = scopes.Select((scope, i) => new ListWatchLoop<T>(
                client, decoder, sink, scope, settings, timeProvider, logger, new Random(HashCode.Combine(Environment.TickCount, i, resource.Plural)), metrics));
            running = Task.Run(() => Task.WhenAll(loops.Select(l => l.RunAsync(token))), token);
            if (settings.ResyncPeriod is { } period)
            {
                resyncTimer = timeProvider.CreateTimer(static state => ((CustomResourceWatcher<T>)state!).RequestResync(), this, period, period);
            }
        }
    }

    private void RequestResync()
    {
        if (!cache.HasSynced)
        {
            return;
        }

        lock (cache.SyncRoot)
        {
            consumers.Deliver(new ConsumerSubscription<T>.Delivery(null, null, true));
        }
    }

    private void OnIndexError(string indexName, T obj, Exception exception) =>
        Log.IndexFunctionFailed(logger, exception, indexName, resource.Kind, obj.Metadata.NamespaceProperty, obj.Metadata.Name);
}
