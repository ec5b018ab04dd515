namespace Box.K8sEventReporting.Reporting;

/// <summary>A status condition to set on a resource; <c>lastTransitionTime</c> and <c>observedGeneration</c> are filled in by the writer.</summary>
/// <param name="Type">The condition type, UpperCamelCase (for example <c>Ready</c>).</param>
/// <param name="Status">True, False or Unknown.</param>
/// <param name="Reason">An UpperCamelCase reason (for example <c>InvalidServiceName</c>).</param>
/// <param name="Message">A human message; longer than 32768 UTF-8 bytes, it is shortened in the middle.</param>
public sealed record ResourceCondition(string Type, ConditionStatus Status, string Reason, string Message);
