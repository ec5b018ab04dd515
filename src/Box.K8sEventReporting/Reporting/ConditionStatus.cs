namespace Box.K8sEventReporting.Reporting;

/// <summary>The <c>status</c> of a Kubernetes status condition.</summary>
public enum ConditionStatus
{
    /// <summary>The condition holds.</summary>
    True,

    /// <summary>The condition does not hold.</summary>
    False,

    /// <summary>It is not known whether the condition holds.</summary>
    Unknown,
}
