namespace Box.K8sEventReporting.Admission;

/// <summary>One resource type's admission path and its reviewer.</summary>
internal interface IAdmissionEndpoint
{
    string Path { get; }

    Task<AdmissionAnswer> ReviewAsync(AdmissionRequest request, CancellationToken cancellationToken);
}
