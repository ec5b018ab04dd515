using System.Net;
using k8s.Models;

namespace Box.K8sEventReporting.Admission;

/// <summary>
/// How the API server reaches the webhook: through a Service (<c>clientConfig.service</c>) or at a URL
/// (<c>clientConfig.url</c>). It decides the names of the serving certificate and which webhooks of a configuration get
/// the CA bundle.
/// </summary>
internal sealed class WebhookAddress
{
    private const int MaxCommonNameLength = 64;

    private readonly (string Name, string Namespace)? _service;
    private readonly Uri[] _urls;

    private WebhookAddress(
        string description, string commonName, IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> ipAddresses, (string Name, string Namespace)? service, Uri[] urls)
    {
        Description = description;
        CommonName = commonName;
        DnsNames = dnsNames;
        IpAddresses = ipAddresses;
        _service = service;
        _urls = urls;
    }

    /// <summary>Gets what the webhook is reached as, for log messages: <c>&lt;service&gt;.&lt;namespace&gt;.svc</c> or the URL.</summary>
    public string Description { get; }

    /// <summary>Gets the serving certificate's common name.</summary>
    public string CommonName { get; }

    /// <summary>Gets the serving certificate's DNS names.</summary>
    public IReadOnlyCollection<string> DnsNames { get; }

    /// <summary>Gets the serving certificate's IP addresses.</summary>
    public IReadOnlyCollection<IPAddress> IpAddresses { get; }

    /// <summary>Gets whether the webhook is reached at a URL rather than through a Service.</summary>
    public bool IsUrl => _service is null;

    /// <summary>Reached through a Service: the API server verifies <c>&lt;service&gt;.&lt;namespace&gt;.svc</c>; the other names are for clients in the cluster.</summary>
    public static WebhookAddress ForService(string serviceName, string serviceNamespace) =>
        new(
            $"{serviceName}.{serviceNamespace}.svc",
            serviceName,
            [serviceName, $"{serviceName}.{serviceNamespace}", $"{serviceName}.{serviceNamespace}.svc", $"{serviceName}.{serviceNamespace}.svc.cluster.local"],
            [],
            (serviceName, serviceNamespace),
            []);

    /// <summary>
    /// Reached at <paramref name="url"/> (checked by <see cref="AdmissionWebhookOptionsValidator"/>): the certificate names its
    /// host, as an IP address or a DNS name, since that is what the API server verifies. When the URL's path is <c>/</c>
    /// it is the base of every resource's path, so the webhooks at the base plus one of <paramref name="paths"/> are served too.
    /// </summary>
    public static WebhookAddress ForUrl(Uri url, IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(url);
        var isIp = url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6;
        var host = isIp ? url.DnsSafeHost : url.IdnHost;
        var commonName = host.Length <= MaxCommonNameLength ? host : host[..host.IndexOf('.', StringComparison.Ordinal)];
        Uri[] urls = url.AbsolutePath == "/" ? [url, .. paths.Select(p => new Uri(url, p))] : [url];
        return new WebhookAddress(url.AbsoluteUri, commonName, isIp ? [] : [host], isIp ? [IPAddress.Parse(host)] : [], null, urls);
    }

    /// <summary>Whether a webhook with this client configuration is this one.</summary>
    public bool Serves(Admissionregistrationv1WebhookClientConfig? clientConfig)
    {
        if (_service is { } expected)
        {
            return clientConfig?.Service is { } service && service.Name == expected.Name && service.NamespaceProperty == expected.Namespace;
        }

        return clientConfig?.Url is { } text
            && Uri.TryCreate(text, UriKind.Absolute, out var url)
            && _urls.Any(u => Uri.Compare(u, url, UriComponents.HttpRequestUrl, UriFormat.SafeUnescaped, StringComparison.Ordinal) == 0);
    }
}
