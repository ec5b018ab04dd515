namespace Box.K8sEventReporting.Reporting;

/// <summary>What to tell the owner of an object through a Kubernetes Event.</summary>
/// <param name="Type">Normal or Warning.</param>
/// <param name="Reason">A short UpperCamelCase reason (at most 128 characters), for example <c>InvalidServiceName</c>.</param>
/// <param name="Message">The human message; longer than 1024 UTF-8 bytes, it is shortened in the middle.</param>
/// <param name="Action">What the reporting controller did or failed to do (events.k8s.io <c>action</c>); optional.</param>
public sealed record EventReport(EventType Type, string Reason, string Message, string? Action = null)
{
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
}
