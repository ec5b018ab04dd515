namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Something besides the controllers that must work before the replica is ready (for example the admission webhook's
/// listener); <see cref="IControllerHealth.Check"/> is ready only when every registered check is.
/// </summary>
internal interface IReadinessCheck
{
    /// <summary>Gets why this part is not ready, or <see langword="null"/> when it is; cheap, from any thread.</summary>
    string? NotReadyReason { get; }
}
