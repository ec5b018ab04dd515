namespace Box.K8sEventReporting.Reporting;

/// <summary>Which Kubernetes Event API the recorder writes.</summary>
public enum EventApiVersion
{
    /// <summary>
    /// <c>core/v1</c> Events with <c>count</c>, <c>firstTimestamp</c> and <c>lastTimestamp</c>: what <c>kubectl describe</c>
    /// shows as <c>(x24 over 1d)</c>. The default.
    /// </summary>
    CoreV1,

    /// <summary>
    /// <c>events.k8s.io/v1</c> Events with <c>eventTime</c>, <c>series</c>, <c>action</c>, <c>reportingController</c> and
    /// <c>reportingInstance</c>.
    /// </summary>
    EventsV1,
}
