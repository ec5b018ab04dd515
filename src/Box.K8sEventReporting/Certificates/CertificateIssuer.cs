using System.Net;
using Box.K8sEventReporting.Hosting;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Certificates;

/// <summary>The control plane's CA, kept in a Secret in its namespace (see <see cref="ICertificateIssuer"/>).</summary>
/// <remarks>
/// The CA is read, or created when its Secret does not exist, on first use, and kept in memory. Concurrent first uses load
/// it once. A failure (the API server unreachable, a Secret that holds no usable CA) is thrown to the caller and the next
/// use tries again. Needs <c>get</c> and <c>create</c> on <c>secrets</c> in the CA's namespace.
/// </remarks>
public sealed class CertificateIssuer : ICertificateIssuer, IDisposable
{
    private readonly IKubernetes _client;
    private readonly CertificateOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile CertificateAuthority? _authority;
    private volatile ICertificateAuthority? _bound;

    /// <summary>Initializes a new instance of the <see cref="CertificateIssuer"/> class.</summary>
    /// <param name="client">The Kubernetes client that reads and creates the CA's Secret.</param>
    /// <param name="options">The CA's Secret, validities and key algorithm.</param>
    /// <param name="logger">The logger; optional.</param>
    /// <param name="timeProvider">The clock for validity and renewal; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    public CertificateIssuer(IKubernetes client, IOptions<CertificateOptions> options, ILogger<CertificateIssuer>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        Namespace = PodNamespace.Resolve(_options.SecretNamespace);
    }

    /// <summary>Gets the namespace of the CA's Secret.</summary>
    public string Namespace { get; }

    /// <inheritdoc />
    public async Task<ICertificateAuthority> GetAuthorityAsync(CancellationToken cancellationToken = default)
    {
        if (_bound is { } bound)
        {
            return bound;
        }

        var authority = await LoadAsync(cancellationToken).ConfigureAwait(false);
        return _bound ??= new BoundAuthority(authority, this);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _authority?.Dispose();
        _loading.Dispose();
    }

    private async ValueTask<CertificateAuthority> LoadAsync(CancellationToken cancellationToken)
    {
        if (_authority is { } loaded)
        {
            return loaded;
        }

        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_authority is null)
            {
                try
                {
                    _authority = await CertificateAuthoritySecret.LoadOrCreateAsync(
                        _client, _options, Namespace, _timeProvider.GetUtcNow(), _logger, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidOperationException e)
                {
                    Log.CaUnusable(_logger, e.Message);
                    throw;
                }
            }

            return _authority;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>The loaded CA on this issuer's options and clock.</summary>
    private sealed class BoundAuthority(CertificateAuthority authority, CertificateIssuer issuer) : ICertificateAuthority
    {
        public string CertificatePem => authority.CertificatePem;

        public DateTimeOffset NotAfter => authority.NotAfter;

        public IssuedCertificate Issue(string commonName, IReadOnlyCollection<string> dnsNames) => Issue(commonName, dnsNames, []);

        public IssuedCertificate Issue(string commonName, IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> ipAddresses)
        {
            var issued = authority.Issue(commonName, dnsNames, ipAddresses, issuer._options, issuer._timeProvider.GetUtcNow());
            Log.CertificateIssued(issuer._logger, issued);
            return issued;
        }

        public CertificateCheck Check(IDictionary<string, byte[]>? secretData, string commonName, IReadOnlyCollection<string> dnsNames)
        {
            ArgumentNullException.ThrowIfNull(dnsNames);
            return authority.Check(secretData, commonName, dnsNames, issuer._options.RenewAtFractionOfLifetime, issuer._timeProvider.GetUtcNow());
        }
    }
}
