namespace Box.K8sEventReporting.Testing;

/// <summary>What a fake recorded, in order, and waits for a matching entry without sleeping; thread-safe.</summary>
/// <typeparam name="TEntry">The recorded entry.</typeparam>
internal sealed class Recording<TEntry>
    where TEntry : class
{
    private readonly object _gate = new();
    private readonly List<TEntry> _entries = [];
    private readonly List<(Func<TEntry, bool> Match, TaskCompletionSource<TEntry> Done)> _waiters = [];

    public IReadOnlyList<TEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToArray();
            }
        }
    }

    public void Add(TEntry entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
            foreach (var waiter in _waiters.Where(w => w.Match(entry)).ToArray())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult(entry);
            }
        }
    }

    /// <summary>Waits until an entry matching <paramref name="match"/> is recorded (or was already).</summary>
    /// <param name="match">The condition.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="describeFailure">The assertion message when nothing matched in time, given the entries so far.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The first matching entry.</returns>
    public async Task<TEntry> WaitForAsync(Func<TEntry, bool> match, TimeSpan timeout, Func<IReadOnlyList<TEntry>, string> describeFailure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        var waiter = (match, new TaskCompletionSource<TEntry>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            var existing = _entries.FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }

            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Item2.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new FakeAssertionException(describeFailure(Entries));
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }
        }
    }
}
