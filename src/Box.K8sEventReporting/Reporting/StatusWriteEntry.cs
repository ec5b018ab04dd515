namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// The status writes of one resource in the <see cref="StatusWriteQueue"/>: the one waiting (newer posts absorb it), whether
/// it is in the ready channel, in flight or backing off (never two at once), and how many writes in a row failed.
/// </summary>
/// <remarks>Used under the queue's lock only.</remarks>
internal sealed class StatusWriteEntry
{
    public IPendingStatusWrite? Waiting { get; private set; }

    public bool Queued { get; private set; }

    public bool InFlight { get; private set; }

    public bool BackingOff { get; set; }

    public int Failures { get; private set; }

    /// <summary>Adds a newer write: what it sets wins over the one waiting.</summary>
    public void Post(IPendingStatusWrite write) => Waiting = Waiting is null ? write : write.Absorb(Waiting);

    /// <summary>Marks the entry as in the ready channel, unless it is there already, in flight or backing off.</summary>
    /// <returns>Whether its key is to be put in the channel now.</returns>
    public bool TrySchedule()
    {
        if (Queued || InFlight || BackingOff)
        {
            return false;
        }

        Queued = true;
        return true;
    }

    /// <summary>Takes the waiting write to make it.</summary>
    public IPendingStatusWrite? Take()
    {
        var write = Waiting;
        if (write is not null)
        {
            Waiting = null;
            Queued = false;
            InFlight = true;
        }

        return write;
    }

    /// <summary>The write in flight ended: written, or refused for good.</summary>
    public void Succeeded()
    {
        InFlight = false;
        Failures = 0;
    }

    /// <summary>The write in flight failed for now: kept (under anything newer) and written again after a backoff.</summary>
    public void Failed(IPendingStatusWrite write)
    {
        InFlight = false;
        Failures++;
        Waiting = Waiting is null ? write : Waiting.Absorb(write);
        BackingOff = true;
    }
}
