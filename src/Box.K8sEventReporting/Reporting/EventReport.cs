namespace Box.K8sEventReporting.Reporting;

/// <summary>What to tell the owner of an object through a Kubernetes Event.</summary>
/// <param name="Type">Normal or Warning.</param>
/// <param name="Reason">
/// A short UpperCamelCase reason, for example <c>InvalidServiceName</c>: ASCII letters and digits, a capital letter first,
/// at most 128 characters (the API conventions); any other value is refused here.
/// </param>
/// <param name="Message">The human message; longer than 1024 UTF-8 bytes, it is shortened in the middle.</param>
/// <param name="Action">What the reporting controller did or failed to do (events.k8s.io <c>action</c>); optional.</param>
/// <exception cref="ArgumentException"><paramref name="Reason"/> is not UpperCamelCase letters and digits of 1-128 characters.</exception>
public sealed record EventReport(EventType Type, string Reason, string Message, string? Action = null)
{
    /// <summary>Gets the UpperCamelCase reason, checked when the report is created.</summary>
    /// <exception cref="ArgumentException">The value is not UpperCamelCase letters and digits of 1-128 characters.</exception>
    public string Reason { get; init => field = KubernetesNames.RequireValidReason(value, nameof(Reason)); } = KubernetesNames.RequireValidReason(Reason, nameof(Reason));

    /// <summary>Creates a Warning report.</summary>
    /// <param name="reason">The UpperCamelCase reason.</param>
    /// <param name="message">The human message.</param>
    /// <returns>The report.</returns>
    public static EventReport Warning(string reason, string message) => new(EventType.Warning, reason, message);

    /// <summary>Creates a Normal report.</summary>
    /// <param name="reason">The UpperCamelCase reason.</param>
    /// <param name="message">The human message.</param>
    /// <returns>The report.</returns>
    public static EventReport Normal(string reason, string message) => new(EventType.Normal, reason, message);

    /// <summary>
    /// Gets a value indicating whether the Event's writes wait until no other Event write is queued: for an Event only an
    /// extra feature needs (the Event on the reported resource itself), never ahead of the Warnings on the pods. A recorder
    /// without lanes writes it like any other; it is not part of the report's equality.
    /// </summary>
    internal bool YieldsToOthers { get; init; }

    /// <summary>Compares what the report says; how it is queued is not part of it.</summary>
    /// <param name="other">The other report.</param>
    /// <returns>Whether both say the same.</returns>
    public bool Equals(EventReport? other) =>
        other is not null && Type == other.Type && Reason == other.Reason && Message == other.Message && Action == other.Action;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Reason, Message, Action);
}
