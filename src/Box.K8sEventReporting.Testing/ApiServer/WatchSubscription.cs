using System.Threading.Channels;

namespace Box.K8sEventReporting.Testing.ApiServer;

internal enum WatchItemKind
{
    Event,
    Bookmark,
    Error,
    Raw,
}

/// <summary>One line to write into a watch stream.</summary>
internal sealed record WatchItem(WatchItemKind Kind, string? Type = null, StoredObject? Object = null, byte[]? Raw = null, long ResourceVersion = 0);

/// <summary>An open watch: what it filters on and the queue the HTTP response drains.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The CancellationTokenSource has no timer, so there is nothing to release.")]
internal sealed class WatchSubscription
{
    private readonly Channel<WatchItem> channel = Channel.CreateUnbounded<WatchItem>(new UnboundedChannelOptions { SingleReader = false });
    private readonly CancellationTokenSource closed = new();

    public WatchSubscription(ApiResource resource, string? ns, LabelSelector labels, FieldSelector fields, long startResourceVersion, int queueLimit)
    {
        Resource = resource;
        Namespace = ns;
        Labels = labels;
        Fields = fields;
        StartResourceVersion = startResourceVersion;
        QueueLimit = queueLimit;
    }

    public ApiResource Resource { get; }

    public string? Namespace { get; }

    public LabelSelector Labels { get; }

    public FieldSelector Fields { get; }

    /// <summary>Changes at or below this resourceVersion are not sent (a watch from a future version stays quiet).</summary>
    public long StartResourceVersion { get; }

    public int QueueLimit { get; }

    /// <summary>The watch fell so far behind that the server closed it, like the real one does with slow watchers.</summary>
    public bool Overflowed { get; private set; }

    public ChannelReader<WatchItem> Reader => channel.Reader;

    /// <summary>Cancelled when the server closes the watch (fault, overflow, shutdown), so a frozen writer stops waiting.</summary>
    public CancellationToken Closed => closed.Token;

    public bool Matches(StoredObject obj) =>
        (Namespace is null || obj.Namespace == Namespace) && Labels.Matches(obj.Root) && Fields.Matches(obj.Root, Resource);

    public void Enqueue(WatchItem item)
    {
        if (channel.Reader.Count >= QueueLimit)
        {
            Overflowed = true;
            Complete();
            return;
        }

        channel.Writer.TryWrite(item);
    }

    public void Complete()
    {
        if (channel.Writer.TryComplete())
        {
            closed.Cancel();
        }
    }

    /// <summary>Queues the lines a change means for this watch: label selectors turn changes into ADDED or DELETED (transcript 18).</summary>
    public void Offer(StoredEvent change)
    {
        if (change.ResourceVersion <= StartResourceVersion)
        {
            return;
        }

        switch (change.Type)
        {
            case "ADDED":
                if (Matches(change.Object))
                {
                    Enqueue(new WatchItem(WatchItemKind.Event, "ADDED", change.Object));
                }

                break;
            case "DELETED":
                if (Matches(change.Object))
                {
                    Enqueue(new WatchItem(WatchItemKind.Event, "DELETED", change.Object));
                }

                break;
            default:
                var now = Matches(change.Object);
                var before = change.Previous is not null && Matches(change.Previous);
                if (now && before)
                {
                    Enqueue(new WatchItem(WatchItemKind.Event, "MODIFIED", change.Object));
                }
                else if (now)
                {
                    Enqueue(new WatchItem(WatchItemKind.Event, "ADDED", change.Object));
                }
                else if (before)
                {
                    // The old content with the new resourceVersion, like the real watch cache.
                    Enqueue(new WatchItem(WatchItemKind.Event, "DELETED", ObjectMutations.WithResourceVersion(change.Previous!, change.ResourceVersion)));
                }

                break;
        }
    }
}
