using Box.K8sEventReporting.Primitives;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// The reflector of one scope (every namespace, or one): paged list, then watch from the list's resourceVersion with bookmarks;
/// resume from the last resourceVersion seen; relist on 410 Gone; backoff with jitter and Retry-After on failures;
/// restart a silent (half-open) watch. It never throws except when cancelled.
/// </summary>
internal sealed class ListWatchLoop<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    private readonly ResourceHttpClient<T> client;
    private readonly ResourceDecoder<T> decoder;
    private readonly IListWatchTarget<T> target;
    private readonly string? scopeNamespace;
    private readonly string scope;
    private readonly WatcherSettings settings;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Random random;
    private readonly KeyValuePair<string, object?> kindTag;
    private readonly FailureStreak backoff;
    private readonly WatcherMetrics? metrics;
    private readonly ListPager<T> pager;
    private readonly ListFailureReport<T> listFailures;

    public ListWatchLoop(
        ResourceHttpClient<T> client,
        ResourceDecoder<T> decoder,
        IListWatchTarget<T> target,
        string? scopeNamespace,
        WatcherSettings settings,
        TimeProvider timeProvider,
        ILogger logger,
        Random random,
        WatcherMetrics? metrics = null)
    {
        this.metrics = metrics;
        this.client = client;
        this.decoder = decoder;
        this.target = target;
        this.scopeNamespace = scopeNamespace;
        scope = scopeNamespace is null ? "all namespaces" : $"namespace {scopeNamespace}";
        this.settings = settings;
        this.timeProvider = timeProvider;
        this.logger = logger;
        this.random = random;
        kindTag = new("kind", settings.Kind);
        pager = new ListPager<T>(client, scopeNamespace, scope, settings.PageSize, settings.Kind, logger);
        listFailures = new ListFailureReport<T>(target, settings.Kind, scope, timeProvider, logger);
        backoff = new FailureStreak(new BackoffPolicy(settings.InitialBackoff, 2, settings.BackoffJitter, settings.MaxBackoff), settings.BackoffResetAfter, timeProvider, random);
    }

    private enum WatchEnd
    {
        Timeout,
        Closed,
        Expired,
        Inactive,
        Failed,
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // client-go's reflector: the first list is served from the API server's watch cache (resourceVersion=0), every relist
        // from it too, at least as fresh as the last version this loop synced; a consistent list (resourceVersion="", a
        // quorum read from etcd) only when the server says that version is too old or too new.
        var versions = new ListVersions();
        var needsList = true;
        var isRelist = false;
        var lastEndWasExpiry = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var delay = TimeSpan.Zero;
            try
            {
                if (needsList)
                {
                    try
                    {
                        await ListAsync(versions, isRelist, cancellationToken).ConfigureAwait(false);
                        needsList = false;
                        metrics?.Lists.Add(1, kindTag, new("outcome", "success"));
                        listFailures.Succeeded();
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransportFailure(ex))
                    {
                        metrics?.Lists.Add(1, kindTag, new("outcome", "failure"));
                        delay = NextDelay(ex);
                        listFailures.Failed(ex, delay);
                        await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                var (end, lastVersion, detail) = await WatchOnceAsync(versions.LastSynced!, cancellationToken).ConfigureAwait(false);
                versions.LastSynced = lastVersion;
                var resourceVersion = lastVersion;
                metrics?.WatchRestarts.Add(1, kindTag, new("cause", end.ToString().ToLowerInvariant()));
                switch (end)
                {
                    case WatchEnd.Timeout:
                        Log.WatchTimedOut(logger, settings.Kind, scope, resourceVersion);
                        break;
                    case WatchEnd.Closed:
                        delay = backoff.NextDelay();
                        Log.WatchClosed(logger, settings.Kind, scope, resourceVersion, delay);
                        break;
                    case WatchEnd.Expired:
                        // The first expiry relists at once (that is the cure); an expiry right after a relist backs off.
                        // The relist asks for the last synced version (not older than it): the watch cache serves it.
                        delay = lastEndWasExpiry ? backoff.NextDelay() : TimeSpan.Zero;
                        Log.WatchExpired(logger, settings.Kind, scope, resourceVersion, (detail as V1Status)?.Message ?? (detail as Exception)?.Message, delay);
                        metrics?.Relists.Add(1, kindTag);
                        needsList = true;
                        isRelist = true;
                        break;
                    case WatchEnd.Inactive:
                        delay = backoff.NextDelay();
                        Log.WatchInactive(logger, settings.Kind, scope, settings.InactivityTimeout, resourceVersion, delay);
                        break;
                    case WatchEnd.Failed when detail is V1Status status:
                        delay = backoff.NextDelay();
                        Log.WatchErrorEvent(logger, settings.Kind, scope, status.Code, status.Reason, status.Message, delay);
                        break;
                    default:
                        var failure = detail as Exception ?? new KubernetesApiException("The watch failed.");
                        delay = NextDelay(failure);
                        Log.WatchFailed(logger, settings.Kind, scope, failure.Message, resourceVersion, delay);
                        Log.WatchFailedDetail(logger, failure, settings.Kind, scope);
                        break;
                }

                lastEndWasExpiry = end == WatchEnd.Expired;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must survive anything, log it, and start over from a fresh list.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                delay = backoff.NextDelay();
                Log.UnexpectedLoopError(logger, ex, settings.Kind, scope, delay);
                needsList = true;
                isRelist = versions.LastSynced is not null;
            }

            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Lists at <see cref="ListVersions.RelistVersion"/>; falls back to a consistent list when that version is unavailable.</summary>
    private async Task ListAsync(ListVersions versions, bool isRelist, CancellationToken cancellationToken)
    {
        var requested = versions.RelistVersion;
        List<WatchEvent<T>> items;
        string listVersion;
        int pages;
        try
        {
            (items, listVersion, pages) = await pager.ReadAsync(requested, versions.ServerPagesCachedLists, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (requested.Length > 0 && (ex.IsExpired || ex.IsTooLargeResourceVersion) && !cancellationToken.IsCancellationRequested)
        {
            // Like client-go's reflector: the version is gone (410 Expired) or this API server has not seen it yet (504
            // ResourceVersionTooLarge), so only a consistent list makes progress. Retry at once with resourceVersion="".
            Log.ListVersionUnavailable(logger, settings.Kind, scope, requested, (int)ex.StatusCode, ex.Status?.Reason);
            versions.LastSyncedUnavailable = true;
            (items, listVersion, pages) = await pager.ReadAsync(string.Empty, versions.ServerPagesCachedLists, cancellationToken).ConfigureAwait(false);
        }

        if (requested == "0" && pages > 1)
        {
            // A paged answer to resourceVersion=0: this server's watch cache is off for the type, so keep paging relists.
            versions.ServerPagesCachedLists = true;
        }

        versions.LastSynced = listVersion;
        versions.LastSyncedUnavailable = false;
        Log.ListCompleted(logger, items.Count, settings.Kind, scope, pages, listVersion);
        target.OnListed(scopeNamespace, items, isRelist);
    }

    private async Task<(WatchEnd End, string ResourceVersion, object? Detail)> WatchOnceAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var timeoutSeconds = random.Next((int)settings.MinWatchTimeout.TotalSeconds, (int)settings.MaxWatchTimeout.TotalSeconds + 1);
        using var watchdog = new InactivityWatchdog(TimeSpan.FromSeconds(timeoutSeconds), settings.InactivityTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token);
        var started = timeProvider.GetTimestamp();
        try
        {
            using var response = await client.OpenWatchAsync(scopeNamespace, resourceVersion, timeoutSeconds, linked.Token).ConfigureAwait(false);
            Log.WatchStarted(logger, settings.Kind, scope, resourceVersion, timeoutSeconds);
            var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new LineReader(stream);
                while (await reader.ReadLineAsync(linked.Token).ConfigureAwait(false) is { } line)
                {
                    watchdog.Touch();
                    target.OnActivity();
                    var watchEvent = decoder.DecodeWatchLine(line.Span);
                    switch (watchEvent.Kind)
                    {
                        case WatchEventKind.Bookmark:
                            break;
                        case WatchEventKind.Error when KubernetesApiException.IsExpiredStatus(watchEvent.Status):
                            return (WatchEnd.Expired, resourceVersion, watchEvent.Status);
                        case WatchEventKind.Error:
                            return (WatchEnd.Failed, resourceVersion, watchEvent.Status);
                        default:
                            target.OnWatchEvent(watchEvent);
                            break;
                    }

                    if (!string.IsNullOrEmpty(watchEvent.ResourceVersion))
                    {
                        resourceVersion = watchEvent.ResourceVersion;
                    }
                }
            }
        }
        catch (KubernetesApiException ex) when (ex.IsExpired)
        {
            return (WatchEnd.Expired, resourceVersion, ex);
        }
        catch (OperationCanceledException) when (watchdog.HasFired && !cancellationToken.IsCancellationRequested)
        {
            return (WatchEnd.Inactive, resourceVersion, null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransportFailure(ex))
        {
            return (WatchEnd.Failed, resourceVersion, ex);
        }

        var timeout = TimeSpan.FromSeconds(timeoutSeconds);
        var tolerance = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, timeout.Ticks / 10));
        return timeProvider.GetElapsedTime(started) + tolerance >= timeout
            ? (WatchEnd.Timeout, resourceVersion, null)
            : (WatchEnd.Closed, resourceVersion, null);
    }

    private TimeSpan NextDelay(Exception? failure)
    {
        var delay = backoff.NextDelay();
        if (failure is KubernetesApiException { RetryAfter: { } retryAfter } && retryAfter > delay)
        {
            delay = retryAfter < MaxRetryAfter ? retryAfter : MaxRetryAfter;
        }

        return delay;
    }

    private static bool IsTransportFailure(Exception ex) =>
        ex is KubernetesApiException or HttpRequestException or IOException or InvalidDataException or System.Text.Json.JsonException
            or OperationCanceledException;

    /// <summary>The versions the loop lists and watches from, as client-go's reflector keeps them.</summary>
    private sealed class ListVersions
    {
        /// <summary>Gets or sets the last version synced (of the last list, watch event or bookmark); null before the first list.</summary>
        public string? LastSynced { get; set; }

        /// <summary>Gets or sets a value indicating whether the server said <see cref="LastSynced"/> is unavailable (too old or too new).</summary>
        public bool LastSyncedUnavailable { get; set; }

        /// <summary>Gets or sets a value indicating whether the server paged a list at resourceVersion=0 (its watch cache is off).</summary>
        public bool ServerPagesCachedLists { get; set; }

        /// <summary>Gets the version the next list asks for: "0" first, then the last synced one, "" (consistent) when that is unavailable.</summary>
        public string RelistVersion => LastSyncedUnavailable ? string.Empty : LastSynced ?? "0";
    }
}
