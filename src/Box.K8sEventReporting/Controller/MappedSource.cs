using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// Maps every change of a <typeparamref name="TOther"/> (and its previous state) to primary keys, like controller-runtime's
/// <c>Watches</c> with <c>EnqueueRequestsFromMapFunc</c>.
/// </summary>
internal sealed class MappedSource<TOther> : IReconcileSource
    where TOther : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly TimeSpan ResubscribeDelay = TimeSpan.FromSeconds(1);
    private readonly ICustomResourceWatcher<TOther> _watcher;
    private readonly Func<TOther, IEnumerable<ResourceKey>> _map;
    private readonly Func<ResourceChange<TOther>, bool> _filter;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ControllerMetrics? _metrics;
    private readonly string _kind = ResourceController<TOther>.KindOf(typeof(TOther));

    public MappedSource(
        ICustomResourceWatcher<TOther> watcher,
        Func<TOther, IEnumerable<ResourceKey>> map,
        Func<ResourceChange<TOther>, bool>? filter,
        ILogger logger,
        TimeProvider timeProvider,
        ControllerMetrics? metrics = null)
    {
        _watcher = watcher;
        _metrics = metrics;
        _map = map;
        _filter = filter ?? (static _ => true);
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public bool HasSynced => _watcher.Cache.HasSynced;

    public Task WaitForInitialSyncAsync(CancellationToken cancellationToken) => _watcher.Cache.WaitForInitialSyncAsync(cancellationToken);

    public async Task RunAsync(WorkQueue queue, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in _watcher.WatchAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (change.Type != ResourceChangeType.DecodeFailed && _filter(change))
                    {
                        MapInto(change.Resource, queue);
                        MapInto(change.OldResource, queue);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.WatchFailed(_logger, ex, _kind, ResubscribeDelay);
            }

            await DelayQuietlyAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void MapInto(TOther? resource, WorkQueue queue)
    {
        if (resource is null)
        {
            return;
        }

        try
        {
            foreach (var key in _map(resource))
            {
                queue.Add(key);
            }
        }
        catch (Exception ex)
        {
            // A faulty map function costs one trigger, never the watch.
            Log.SecondaryMapFailed(_logger, ex, _kind, resource.Metadata?.NamespaceProperty, resource.Metadata?.Name);
            _metrics?.MapFailures.Add(1, new KeyValuePair<string, object?>("kind", _kind));
        }
    }

    private async Task DelayQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(ResubscribeDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
