using Box.K8sEventReporting.Reporting;
using k8s.Models;

namespace Box.K8sEventReporting.Testing;

/// <summary>
/// An <see cref="IEventRecorder"/> that keeps every Event it is asked to record (on pods, on the resource, on workloads),
/// with assertion helpers; it checks its arguments as the real recorder does.
/// </summary>
public sealed class FakeEventRecorder : IEventRecorder
{
    private readonly Recording<RecordedEvent> _events = new();

    /// <summary>Gets every recorded Event, in order.</summary>
    public IReadOnlyList<RecordedEvent> Events => _events.Entries;

    /// <inheritdoc/>
    public void Record(V1ObjectReference involvedObject, EventReport report)
    {
        ArgumentNullException.ThrowIfNull(involvedObject);
        ArgumentNullException.ThrowIfNull(report);
        if (string.IsNullOrEmpty(involvedObject.Kind) || string.IsNullOrEmpty(involvedObject.Name))
        {
            throw new ArgumentException("The involved object needs a kind and a name.", nameof(involvedObject));
        }

        _events.Add(new RecordedEvent(involvedObject, report));
    }

    /// <summary>Gets the Events recorded about one object.</summary>
    /// <param name="namespace">The object's namespace.</param>
    /// <param name="name">The object's name.</param>
    /// <returns>The Events, in order.</returns>
    public IReadOnlyList<RecordedEvent> EventsAbout(string @namespace, string name) =>
        Events.Where(e => e.IsAbout(@namespace, name)).ToArray();

    /// <summary>Asserts that an Event with <paramref name="reason"/> (and <paramref name="message"/>, when given) was recorded about an object.</summary>
    /// <param name="namespace">The object's namespace.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="reason">The expected reason.</param>
    /// <param name="message">The exact expected message, or <see langword="null"/> for any.</param>
    /// <returns>The first matching Event.</returns>
    /// <exception cref="FakeAssertionException">No such Event was recorded.</exception>
    public RecordedEvent AssertRecorded(string @namespace, string name, string reason, string? message = null) =>
        EventsAbout(@namespace, name).FirstOrDefault(e => e.Report.Reason == reason && (message is null || e.Report.Message == message))
        ?? throw new FakeAssertionException(
            $"Expected an Event with reason '{reason}'{(message is null ? string.Empty : $" and message '{message}'")} about '{@namespace}/{name}'; recorded: {Describe(EventsAbout(@namespace, name))}.");

    /// <summary>Asserts that no Event was recorded about an object.</summary>
    /// <param name="namespace">The object's namespace.</param>
    /// <param name="name">The object's name.</param>
    /// <exception cref="FakeAssertionException">An Event was recorded about it.</exception>
    public void AssertNothingRecorded(string @namespace, string name)
    {
        var events = EventsAbout(@namespace, name);
        if (events.Count > 0)
        {
            throw new FakeAssertionException($"Expected no Event about '{@namespace}/{name}'; recorded: {Describe(events)}.");
        }
    }

    /// <summary>Waits until an Event with <paramref name="reason"/> is recorded about an object (or was already).</summary>
    /// <param name="namespace">The object's namespace.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="reason">The reason.</param>
    /// <param name="timeout">How long to wait before failing.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The first matching Event.</returns>
    /// <exception cref="FakeAssertionException">No matching Event within <paramref name="timeout"/>.</exception>
    public Task<RecordedEvent> WaitForEventAsync(string @namespace, string name, string reason, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForEventAsync(e => e.IsAbout(@namespace, name, reason), timeout, cancellationToken);

    /// <summary>Waits until an Event matching <paramref name="match"/> is recorded (or was already).</summary>
    /// <param name="match">The condition.</param>
    /// <param name="timeout">How long to wait before failing.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The first matching Event.</returns>
    /// <exception cref="FakeAssertionException">No matching Event within <paramref name="timeout"/>.</exception>
    public Task<RecordedEvent> WaitForEventAsync(Func<RecordedEvent, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _events.WaitForAsync(match, timeout, events => $"No matching Event within {timeout}; recorded: {Describe(events)}.", cancellationToken);

    private static string Describe(IEnumerable<RecordedEvent> events)
    {
        var text = string.Join("; ", events);
        return text.Length == 0 ? "nothing" : text;
    }
}
