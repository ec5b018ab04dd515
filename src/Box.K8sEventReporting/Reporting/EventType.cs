namespace Box.K8sEventReporting.Reporting;

/// <summary>The <c>type</c> of a Kubernetes Event: the API server accepts only these two.</summary>
public enum EventType
{
    /// <summary>Something went as expected (for example: the resource became valid again).</summary>
    Normal,

    /// <summary>Something is wrong and the application owner should act.</summary>
    Warning,
}
