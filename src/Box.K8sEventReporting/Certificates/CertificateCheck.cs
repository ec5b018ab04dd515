namespace Box.K8sEventReporting.Certificates;

/// <summary>The result of <see cref="ICertificateAuthority.Check"/>: whether a stored certificate can stay, and until when.</summary>
/// <param name="Status">What was found; anything but <see cref="CertificateStatus.Current"/> means: issue a new one.</param>
/// <param name="NotAfter">The stored certificate's expiry, when it could be read.</param>
/// <param name="RenewAt">When the stored certificate is due for renewal, when it could be read.</param>
public readonly record struct CertificateCheck(CertificateStatus Status, DateTimeOffset? NotAfter, DateTimeOffset? RenewAt)
{
    /// <summary>Gets a value indicating whether the stored certificate can stay until <see cref="RenewAt"/>.</summary>
    public bool IsCurrent => Status == CertificateStatus.Current;
}
