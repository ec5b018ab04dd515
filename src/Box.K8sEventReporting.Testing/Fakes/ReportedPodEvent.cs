using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Testing;

/// <summary>One report recorded by <see cref="FakePodEventReporter"/>.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="PodName">The pod's name.</param>
/// <param name="PodUid">The pod's uid.</param>
/// <param name="Report">What was reported.</param>
public sealed record ReportedPodEvent(string Namespace, string PodName, string? PodUid, EventReport Report);
