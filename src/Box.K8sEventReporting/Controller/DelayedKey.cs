using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Controller;

/// <summary>A key of a <see cref="WorkQueue"/> waiting for its delay, with the timer that adds it when due.</summary>
internal sealed class DelayedKey(WorkQueue queue, ResourceKey key, long due)
{
    public ResourceKey Key { get; } = key;

    public long Due { get; } = due;

    public ITimer Timer { get; set; } = null!;

    public void Fire() => queue.OnDelayElapsed(this);
}
