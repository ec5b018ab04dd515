using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using k8s;

namespace Box.K8sEventReporting.IntegrationTests.Admission;

/// <summary>
/// Calls an admission webhook as the API server does: HTTPS, the certificate verified against the CA bundle for the name
/// <c>&lt;service&gt;.&lt;namespace&gt;.svc</c> (the connection goes to loopback, so the name is checked here), an
/// <c>admission.k8s.io/v1</c> AdmissionReview in, its response out.
/// </summary>
internal sealed class AdmissionWebhookClient : IDisposable
{
    private readonly HttpClient _http;

    public AdmissionWebhookClient(Uri endpoint, string caPem, string serverName, Func<DateTimeOffset>? now = null)
    {
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is not X509Certificate2 served)
            {
                return false;
            }

            LastCertificate = X509CertificateLoader.LoadCertificate(served.RawData);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = (now?.Invoke() ?? DateTimeOffset.UtcNow).UtcDateTime;
            return chain.Build(served) && served.MatchesHostname(serverName);
        };
        _http = new HttpClient(handler) { BaseAddress = endpoint };
    }

    /// <summary>Gets the certificate the last connection was served.</summary>
    public X509Certificate2? LastCertificate { get; private set; }

    public static string Review(string uid, string operation, object resource) =>
        JsonSerializer.Serialize(new
        {
            apiVersion = "admission.k8s.io/v1",
            kind = "AdmissionReview",
            request = new
            {
                uid,
                kind = new { group = "box.com", version = "v1", kind = "Pki" },
                resource = new { group = "box.com", version = "v1", resource = "pkis" },
                operation,
                userInfo = new { username = "app-team" },
                @object = JsonDocument.Parse(KubernetesJson.Serialize(resource)).RootElement,
                dryRun = false,
            },
        });

    /// <summary>Posts a review; returns the response's <c>response</c> object.</summary>
    public async Task<JsonElement> PostAsync(string path, string review)
    {
        using var content = new StringContent(review, System.Text.Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri(path.TrimStart('/'), UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        return document.GetProperty("response");
    }

    public async Task<int> SendAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        using var response = await _http.SendAsync(request);
        return (int)response.StatusCode;
    }

    public static string[] Warnings(JsonElement response) =>
        response.TryGetProperty("warnings", out var warnings) ? [.. warnings.EnumerateArray().Select(w => w.GetString()!)] : [];

    public void Dispose() => _http.Dispose();
}
