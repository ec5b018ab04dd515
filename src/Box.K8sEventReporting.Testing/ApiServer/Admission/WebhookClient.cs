using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// One POST of an AdmissionReview to a webhook over HTTPS, as the real API server's webhook client makes it: the
/// certificate must chain to the caBundle (the system's roots without one) and carry the server name
/// (<c>&lt;service&gt;.&lt;namespace&gt;.svc</c>, or the URL's host) in its subject alternative names; the call ends
/// after the webhook's timeoutSeconds. Failures are worded like Go's (<c>Post "…": context deadline exceeded</c>).
/// </summary>
internal static class WebhookClient
{
    private const int MaxResponseBytes = 3 * 1024 * 1024;

    /// <summary>Posts <paramref name="body"/>; the answer's body, or why the call failed.</summary>
    /// <param name="target">Where the request goes on the wire.</param>
    /// <param name="logicalUrl">The URL as the real server names it (in error messages).</param>
    /// <param name="serverName">The name the certificate must be valid for, sent as SNI and Host.</param>
    /// <param name="roots">The caBundle's certificates; null trusts the system's roots.</param>
    /// <param name="body">The AdmissionReview JSON.</param>
    /// <param name="timeout">The webhook's timeoutSeconds.</param>
    /// <param name="timeProvider">The server's clock (the timeout is measured on it).</param>
    /// <param name="cancellationToken">The request's token.</param>
    public static async Task<(byte[]? Body, string? Error)> PostAsync(
        Uri target, string logicalUrl, string serverName, X509Certificate2Collection? roots, byte[] body, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var certificateError = (string?)null;
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    certificateError = Verify(certificate, chain, errors, roots, serverName);
                    return certificateError is null;
                },
            },
        };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Host = serverName;
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var post = $"Post \"{logicalUrl}\": ";
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var bytes = await ReadAsync(response.Content, linked.Token).ConfigureAwait(false);
            if (bytes is null)
            {
                return (null, $"failed to call webhook: the response is larger than {MaxResponseBytes.ToString(CultureInfo.InvariantCulture)} bytes");
            }

            if (!response.IsSuccessStatusCode)
            {
                var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 1024));
                return (null, $"failed to call webhook: an error on the server (\"{text}\") has prevented the request from succeeding");
            }

            return (bytes, null);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return (null, "failed to call webhook: " + post + "context deadline exceeded");
        }
        catch (HttpRequestException) when (certificateError is not null)
        {
            return (null, "failed to call webhook: " + post + certificateError);
        }
        catch (HttpRequestException ex)
        {
            return (null, "failed to call webhook: " + post + (ex.InnerException?.Message ?? ex.Message));
        }
    }

    private static async Task<byte[]?> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxResponseBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Null when the certificate is trusted for <paramref name="serverName"/>; else Go's wording of why not.</summary>
    private static string? Verify(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection? roots, string serverName)
    {
        if (certificate is null)
        {
            return "tls: the server presented no certificate";
        }

#if NET9_0_OR_GREATER
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
#else
        using var leaf = new X509Certificate2(certificate);
#endif
        if (roots is null)
        {
            if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
            {
                return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
            }
        }
        else
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presented is not null)
            {
                foreach (var element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            if (!chain.Build(leaf))
            {
                return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
            }
        }

        return NameMismatch(leaf, serverName) is { } mismatch ? "tls: failed to verify certificate: x509: " + mismatch : null;
    }

    /// <summary>
    /// As Go's crypto/x509 (VerifyHostname, HostnameError): an IP address is matched against the IP subject alternative
    /// names only, a name against the DNS ones only (never the common name), one leading <c>*.</c> label as a wildcard.
    /// Null when the certificate is valid for <paramref name="serverName"/>; else Go's wording of why not.
    /// </summary>
    private static string? NameMismatch(X509Certificate2 certificate, string serverName)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var host = serverName.Trim('[', ']');
        if (names is null && MatchesDnsName([certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)], host))
        {
            return "certificate relies on legacy Common Name field, use SANs instead";
        }

        if (IPAddress.TryParse(host, out var ip))
        {
            var addresses = names?.EnumerateIPAddresses().ToList() ?? [];
            return addresses.Count == 0 ? $"cannot validate certificate for {host} because it doesn't contain any IP SANs"
                : addresses.Any(a => a.Equals(ip)) ? null
                : $"certificate is valid for {string.Join(", ", addresses)}, not {host}";
        }

        var dnsNames = names?.EnumerateDnsNames().ToList() ?? [];
        return MatchesDnsName(dnsNames, serverName) ? null
            : dnsNames.Count == 0 ? $"certificate is not valid for any names, but wanted to match {serverName}"
            : $"certificate is valid for {string.Join(", ", dnsNames)}, not {serverName}";
    }

    private static bool MatchesDnsName(List<string> dnsNames, string serverName)
    {
        foreach (var dns in dnsNames)
        {
            if (string.Equals(dns, serverName, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            var dot = serverName.IndexOf('.', StringComparison.Ordinal);
            if (dns.StartsWith("*.", StringComparison.Ordinal) && dot > 0 && string.Equals(dns[1..], serverName[dot..], StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    internal static CryptographicException? TryLoadRoots(ValidatingWebhook hook, out X509Certificate2Collection? roots)
    {
        try
        {
            roots = hook.LoadRoots();
            return null;
        }
        catch (CryptographicException ex)
        {
            roots = null;
            return ex;
        }
    }
}
