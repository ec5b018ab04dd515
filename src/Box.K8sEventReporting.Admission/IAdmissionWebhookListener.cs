namespace Box.K8sEventReporting.Admission;

/// <summary>The admission webhook's HTTPS listener, resolved from the services once <c>AddAdmissionWebhook()</c> is called.</summary>
public interface IAdmissionWebhookListener
{
    /// <summary>Gets the certificate the listener serves now, in PEM, or <see langword="null"/> before the first one is issued.</summary>
    string? CertificatePem { get; }

    /// <summary>Waits until the listener accepts connections with a certificate from the CA.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Where it listens, for example <c>https://127.0.0.1:8443/</c> (the host's address when it listens on every interface).</returns>
    Task<Uri> WaitUntilServingAsync(CancellationToken cancellationToken = default);
}
