using System.Security.Cryptography.X509Certificates;
using Box.K8sEventReporting.Certificates;

namespace Box.K8sEventReporting.Admission;

/// <summary>
/// The certificate the listener presents, swapped in place when renewed: each TLS handshake asks for the current one, so a
/// renewal takes effect on the next connection, without a restart and without closing open ones.
/// </summary>
internal sealed class ServingCertificate : IDisposable
{
    private readonly object _gate = new();
    private X509Certificate2? _current;
    private X509Certificate2? _previous;

    public X509Certificate2? Current => Volatile.Read(ref _current);

    public string? Pem { get; private set; }

    public void Replace(IssuedCertificate issued)
    {
        ArgumentNullException.ThrowIfNull(issued);
        using var ephemeral = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.PrivateKeyPem);

        // Re-imported so that SslStream can use the private key on every platform.
#if NET9_0_OR_GREATER
        var usable = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
#else
        var usable = new X509Certificate2(ephemeral.Export(X509ContentType.Pkcs12));
#endif
        lock (_gate)
        {
            // The one before the current may still be in a handshake that started before the last swap: disposed one swap later.
            _previous?.Dispose();
            _previous = _current;
            Pem = issued.CertificatePem;
            Volatile.Write(ref _current, usable);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _previous?.Dispose();
            _current?.Dispose();
            _previous = _current = null;
        }
    }
}
