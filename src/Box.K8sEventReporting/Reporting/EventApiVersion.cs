namespace Box.K8sEventReporting.Reporting;

/// <summary>Which Kubernetes Event API the recorder writes.</summary>
public enum EventApiVersion
{
    /// <summary>
    /// <c>core/v1</c> Events with <c>count</c>, <c>firstTimestamp</c> and <c>lastTimestamp</c>: what <c>kubectl describe</c>
    /// shows as <c>(x24 over 1d)</c>.
    /// </summary>
    CoreV1 = 0,

    /// <summary>
    /// <c>events.k8s.io/v1</c> Events with <c>eventTime</c>, <c>series</c>, <c>action</c>, <c>reportingController</c> and
    /// <c>reportingInstance</c> (controller-runtime's recorder writes these; <c>kubectl describe</c> shows them too).
    /// </summary>
    EventsV1 = 1,

    /// <summary>
    /// The default: <see cref="EventsV1"/> when the API server serves <c>events.k8s.io/v1</c>, otherwise <see cref="CoreV1"/>,
    /// asked once, at the first write (<c>GET /apis/events.k8s.io/v1</c>: discovery, which every authenticated user may read).
    /// </summary>
    Automatic = 2,
}
