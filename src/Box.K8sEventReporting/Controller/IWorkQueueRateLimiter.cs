using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Controller;

/// <summary>Decides how long a key waits before it is retried (client-go's <c>workqueue.RateLimiter</c>).</summary>
internal interface IWorkQueueRateLimiter
{
    /// <summary>Records one more retry of <paramref name="key"/> and returns how long it must wait.</summary>
    TimeSpan When(ResourceKey key);

    /// <summary>Forgets the retries of <paramref name="key"/>: its next failure starts from the base delay again.</summary>
    void Forget(ResourceKey key);

    /// <summary>Gets how many times <paramref name="key"/> has been retried since it was last forgotten.</summary>
    int NumRequeues(ResourceKey key);
}
