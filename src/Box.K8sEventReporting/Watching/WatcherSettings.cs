namespace Box.K8sEventReporting.Watching;

/// <summary>An immutable copy of validated <see cref="CustomResourceWatcherOptions"/>, taken when a watcher is created.</summary>
internal sealed record WatcherSettings(
    string Kind,
    IReadOnlyList<string> Namespaces,
    int PageSize,
    TimeSpan InitialBackoff,
    TimeSpan MaxBackoff,
    double BackoffJitter,
    TimeSpan BackoffResetAfter,
    TimeSpan MinWatchTimeout,
    TimeSpan MaxWatchTimeout,
    TimeSpan InactivityTimeout,
    TimeSpan? ResyncPeriod,
    int ConsumerBufferSize)
{
    public static WatcherSettings From(string kind, CustomResourceWatcherOptions options) => new(
        kind,
        [.. options.Namespaces],
        options.PageSize,
        options.InitialBackoff,
        options.MaxBackoff,
        options.BackoffJitter,
        options.BackoffResetAfter,
        options.MinWatchTimeout,
        options.MaxWatchTimeout,
        options.InactivityTimeout,
        options.ResyncPeriod,
        options.ConsumerBufferSize);
}
