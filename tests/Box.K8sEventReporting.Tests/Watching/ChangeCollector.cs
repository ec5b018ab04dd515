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
        pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in watcher.WatchAsync(stop.Token))
                {
                    changes.Writer.TryWrite(change);
                }

                changes.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                changes.Writer.TryComplete(ex);
            }
        });
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
