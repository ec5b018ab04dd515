using System.Threading.Channels;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Watching;

/// <summary>Enumerates a watcher's stream in the background so that tests can await each change with a timeout.</summary>
internal sealed class ChangeCollector<T> : IAsyncDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Channel<ResourceChange<T>> changes = Channel.CreateUnbounded<ResourceChange<T>>();
    private readonly CancellationTokenSource stop = new();
    private readonly Task pump;

    public ChangeCollector(ICustomResourceWatcher<T> watcher)
    {
        // The first MoveNextAsync runs synchronously up to the subscription, so the consumer is registered when this returns.
        var enumerator = watcher.WatchAsync(stop.Token).GetAsyncEnumerator();
        var first = enumerator.MoveNextAsync();
        pump = PumpAsync(enumerator, first);
    }

    public Task Completion => pump;

    public async Task<ResourceChange<T>> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await changes.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException("No change arrived within 10 s.");
        }
    }

    public async Task<List<ResourceChange<T>>> NextAsync(int count)
    {
        var list = new List<ResourceChange<T>>();
        for (var i = 0; i < count; i++)
        {
            list.Add(await NextAsync());
        }

        return list;
    }

    public bool TryNext(out ResourceChange<T>? change) => changes.Reader.TryRead(out change);

    private async Task PumpAsync(IAsyncEnumerator<ResourceChange<T>> enumerator, ValueTask<bool> first)
    {
        try
        {
            await using (enumerator)
            {
                var more = await first;
                while (more)
                {
                    changes.Writer.TryWrite(enumerator.Current);
                    more = await enumerator.MoveNextAsync();
                }
            }

            changes.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            changes.Writer.TryComplete(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await pump;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }
}
