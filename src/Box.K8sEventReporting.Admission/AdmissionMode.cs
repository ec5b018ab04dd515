namespace Box.K8sEventReporting.Admission;

/// <summary>What the admission webhook answers for a resource its validators reject.</summary>
public enum AdmissionMode
{
    /// <summary>
    /// Allowed, with each failure as an admission warning (<c>kubectl apply</c> prints <c>Warning: …</c>); the object is
    /// stored and the controller reports it as Events and in its condition, as without the webhook. The default.
    /// </summary>
    Warn,

    /// <summary>
    /// Denied, with a <c>Status</c> (422 <c>Invalid</c>) whose message and <c>details.causes</c> carry each failure's field
    /// path, reason and message; the object is not stored.
    /// </summary>
    Deny,
}
