namespace Box.K8sEventReporting.Reporting;

/// <summary>The recorder's only I/O: writes Event objects. Errors are thrown as the API client throws them.</summary>
internal interface IEventWriter
{
    /// <summary>Gets the Event API written, once known; <see cref="EventApiVersion.Automatic"/> when the options decide.</summary>
    EventApiVersion Api => EventApiVersion.Automatic;

    /// <summary>Creates the Event with <paramref name="count"/>.</summary>
    Task CreateAsync(EventWrite write, long count, CancellationToken cancellationToken);

    /// <summary>Sets the existing Event's count (and last time; the message of an aggregate).</summary>
    Task PatchAsync(EventWrite write, long count, CancellationToken cancellationToken);

    /// <summary>Reads the count the existing Event holds.</summary>
    Task<long> ReadCountAsync(EventWrite write, CancellationToken cancellationToken);

    /// <summary>Lists every Event this component wrote (cluster-wide, paged), with the count each holds.</summary>
    IAsyncEnumerable<(string Namespace, string Name, long Count)> ListOwnAsync(CancellationToken cancellationToken);
}
