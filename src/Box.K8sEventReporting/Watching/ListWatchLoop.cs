using System.Net;
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
    private const int MaxContinueRestarts = 3;

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
    private readonly ExponentialBackoff backoff;
    private long? failingSince;

    public ListWatchLoop(
        ResourceHttpClient<T> client,
        ResourceDecoder<T> decoder,
        IListWatchTarget<T> target,
        string? scopeNamespace,
        WatcherSettings settings,
        TimeProvider timeProvider,
        ILogger logger,
        Random random)
    {
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
        backoff = new ExponentialBackoff(settings.InitialBackoff, settings.MaxBackoff, settings.BackoffJitter, settings.BackoffResetAfter, timeProvider, random);
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
        string? resourceVersion = null;
        var isRelist = false;
        var lastEndWasExpiry = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var delay = TimeSpan.Zero;
            try
            {
                if (resourceVersion is null)
                {
                    try
                    {
                        resourceVersion = await ListAsync(isRelist, cancellationToken).ConfigureAwait(false);
                        WatcherMetrics.Lists.Add(1, kindTag, new("outcome", "success"));
                        failingSince = null;
                        target.OnListProblem(null);
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransportFailure(ex))
                    {
                        WatcherMetrics.Lists.Add(1, kindTag, new("outcome", "failure"));
                        delay = NextDelay(ex);
                        ReportListFailure(ex, delay);
                        await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                var (end, lastVersion, detail) = await WatchOnceAsync(resourceVersion, cancellationToken).ConfigureAwait(false);
                resourceVersion = lastVersion;
                WatcherMetrics.WatchRestarts.Add(1, kindTag, new("cause", end.ToString().ToLowerInvariant()));
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
                        delay = lastEndWasExpiry ? backoff.NextDelay() : TimeSpan.Zero;
                        Log.WatchExpired(logger, settings.Kind, scope, resourceVersion, (detail as V1Status)?.Message ?? (detail as Exception)?.Message, delay);
                        WatcherMetrics.Relists.Add(1, kindTag);
                        resourceVersion = null;
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
                resourceVersion = null;
                isRelist = true;
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

    private async Task<string> ListAsync(bool isRelist, CancellationToken cancellationToken)
    {
        var items = new List<WatchEvent<T>>();
        string? continueToken = null;
        string? listVersion = null;
        var pages = 0;
        var restarts = 0;
        while (true)
        {
            ResourceListPage<T> page;
            try
            {
                page = await client.ListPageAsync(scopeNamespace, settings.PageSize, continueToken, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException ex) when (ex.IsGone && continueToken is not null && restarts < MaxContinueRestarts)
            {
                // The snapshot behind the continue token was compacted: its pages can no longer form one consistent list.
                Log.ListContinueExpired(logger, settings.Kind, scope);
                restarts++;
                items.Clear();
                continueToken = null;
                listVersion = null;
                pages = 0;
                continue;
            }

            pages++;
            listVersion ??= page.ResourceVersion;
            items.AddRange(page.Items);
            if (page.Continue is null)
            {
                break;
            }

            continueToken = page.Continue;
        }

        Log.ListCompleted(logger, items.Count, settings.Kind, scope, pages, listVersion!);
        target.OnListed(scopeNamespace, items, isRelist);
        return listVersion!;
    }

    private async Task<(WatchEnd End, string ResourceVersion, object? Detail)> WatchOnceAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var timeoutSeconds = random.Next((int)settings.MinWatchTimeout.TotalSeconds, (int)settings.MaxWatchTimeout.TotalSeconds + 1);
        using var watchdog = new InactivityWatchdog(settings.InactivityTimeout, timeProvider);
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
                        case WatchEventKind.Error when watchEvent.Status?.Code == (int)HttpStatusCode.Gone:
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
        catch (KubernetesApiException ex) when (ex.IsGone)
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

    /// <summary>One Warning with the error's message and how long the API server has been unreachable; the stack at Debug.</summary>
    private void ReportListFailure(Exception error, TimeSpan delay)
    {
        var now = timeProvider.GetTimestamp();
        failingSince ??= now;
        var unreachable = timeProvider.GetElapsedTime(failingSince.Value, now);
        Log.ListFailed(logger, settings.Kind, scope, error.Message, unreachable, delay);
        Log.ListFailedDetail(logger, error, settings.Kind, scope);
        target.OnListProblem($"listing {settings.Kind} in {scope} has failed for {unreachable:hh\\:mm\\:ss}: {error.Message}");
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
}
