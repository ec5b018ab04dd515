namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// The objects of one storage type (for example pods, or core and events.k8s.io events together), its bounded change
/// history and its open watches. Every member is used under <see cref="ClusterState.Gate"/>.
/// </summary>
internal sealed class ResourceStore
{
    private readonly StoredEvent[] history;
    private int historyStart;

    public ResourceStore(string name, bool namespaced, int historyLimit)
    {
        Name = name;
        Namespaced = namespaced;
        history = new StoredEvent[Math.Max(1, historyLimit)];
    }

    public string Name { get; }

    public bool Namespaced { get; }

    public Dictionary<string, StoredObject> Objects { get; } = new(StringComparer.Ordinal);

    public List<WatchSubscription> Watchers { get; } = [];

    /// <summary>Every change with a resourceVersion above this is still in the history.</summary>
    public long HistoryStartResourceVersion { get; private set; }

    /// <summary>The newest resourceVersion this type has seen (what bookmarks carry).</summary>
    public long LastResourceVersion { get; private set; }

    public int HistoryCount { get; private set; }

    public StoredEvent HistoryAt(int index) => history[(historyStart + index) % history.Length];

    public void Append(StoredEvent change)
    {
        LastResourceVersion = change.ResourceVersion;
        if (HistoryCount == history.Length)
        {
            HistoryStartResourceVersion = history[historyStart].ResourceVersion;
            history[historyStart] = change;
            historyStart = (historyStart + 1) % history.Length;
        }
        else
        {
            history[(historyStart + HistoryCount) % history.Length] = change;
            HistoryCount++;
        }
    }

    /// <summary>Forget all history: watches and consistent lists from older resourceVersions answer 410.</summary>
    public void Compact(long currentResourceVersion)
    {
        Array.Clear(history);
        historyStart = 0;
        HistoryCount = 0;
        HistoryStartResourceVersion = currentResourceVersion;
    }

    /// <summary>The index of the first change newer than <paramref name="resourceVersion"/>.</summary>
    public int FirstIndexAfter(long resourceVersion)
    {
        int lo = 0, hi = HistoryCount;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (HistoryAt(mid).ResourceVersion <= resourceVersion)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The objects as they were at <paramref name="resourceVersion"/> (needs it to be within the history).</summary>
    public Dictionary<string, StoredObject> SnapshotAt(long resourceVersion)
    {
        var snapshot = new Dictionary<string, StoredObject>(Objects, StringComparer.Ordinal);
        for (var i = HistoryCount - 1; i >= 0; i--)
        {
            var change = HistoryAt(i);
            if (change.ResourceVersion <= resourceVersion)
            {
                break;
            }

            if (change.Previous is null)
            {
                snapshot.Remove(change.Object.Key);
            }
            else
            {
                snapshot[change.Previous.Key] = change.Previous;
            }
        }

        return snapshot;
    }
}
