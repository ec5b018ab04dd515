namespace Box.K8sEventReporting.Reporting;

/// <summary>One status write of one resource, waiting for the <see cref="StatusWriteQueue"/>.</summary>
internal interface IPendingStatusWrite
{
    /// <summary>Gets the resource the write is for (kind, namespace and name): one write per key at a time, latest wins.</summary>
    string Key { get; }

    /// <summary>Returns this (newer) write combined with <paramref name="older"/>, not yet written: what the newer one sets wins.</summary>
    IPendingStatusWrite Absorb(IPendingStatusWrite older);

    /// <summary>Makes the write.</summary>
    Task WriteAsync(CancellationToken cancellationToken);
}
