using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// A tiny validating admission webhook for tests: Kestrel over HTTPS on 127.0.0.1 with a certificate for
/// <c>&lt;service&gt;.&lt;namespace&gt;.svc</c> (or for an IP address: an IP SAN) signed by a CA made here
/// (<see cref="CaBundle"/>); it records every AdmissionReview and answers with what <c>respond</c> returns.
/// </summary>
internal sealed class TestWebhook : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly X509Certificate2 certificate;

    private TestWebhook(WebApplication app, X509Certificate2 certificate, byte[] caBundle)
    {
        this.app = app;
        this.certificate = certificate;
        CaBundle = caBundle;
    }

    /// <summary>Gets where it listens (<c>https://127.0.0.1:port/</c>), for <c>MapService</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Gets the PEM of its CA, for <c>clientConfig.caBundle</c>.</summary>
    public byte[] CaBundle { get; }

    /// <summary>Gets every AdmissionReview received, with the request path and query.</summary>
    public ConcurrentQueue<(string PathAndQuery, JsonObject Review)> Received { get; } = new();

    public JsonObject LastRequest => Received.Last().Review["request"]!.AsObject();

    public static async Task<TestWebhook> StartAsync(string serverName, Func<JsonObject, Task<JsonObject>> respond)
    {
        var (certificate, caBundle) = CreateCertificate(serverName);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var webhook = new TestWebhook(app, certificate, caBundle);
        app.Run(async context =>
        {
            var review = (await System.Text.Json.JsonSerializer.DeserializeAsync<JsonObject>(context.Request.Body))!;
            webhook.Received.Enqueue((context.Request.Path + context.Request.QueryString, review));
            var answer = await respond(review);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.ToJsonString());
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        webhook.Endpoint = new Uri(address.EndsWith('/') ? address : address + "/");
        return webhook;
    }

    /// <summary>An answer allowing the request, with warnings.</summary>
    public static JsonObject Allow(JsonObject review, params string[] warnings) => Answer(review, true, null, warnings);

    /// <summary>An answer denying the request with <paramref name="status"/>.</summary>
    public static JsonObject Deny(JsonObject review, JsonObject status) => Answer(review, false, status, []);

    /// <summary>The PEM of a CA that signed nothing here.</summary>
    public static byte[] UnrelatedCaBundle() => CreateCertificate("other.example.svc").CaBundle;

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        certificate.Dispose();
    }

    private static JsonObject Answer(JsonObject review, bool allowed, JsonObject? status, string[] warnings)
    {
        var response = new JsonObject { ["uid"] = review["request"]!["uid"]!.GetValue<string>(), ["allowed"] = allowed };
        if (status is not null)
        {
            response["status"] = status;
        }

        if (warnings.Length > 0)
        {
            response["warnings"] = new JsonArray(warnings.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray());
        }

        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
    }

    private static (X509Certificate2 Certificate, byte[] CaBundle) CreateCertificate(string serverName)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=test-webhook-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + serverName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(serverName, out var ip))
        {
            names.AddIpAddress(ip);
        }
        else
        {
            names.AddDnsName(serverName);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, now.AddMinutes(-5), now.AddHours(1), [1, 2, 3, 4]);
        using var withKey = issued.CopyWithPrivateKey(key);
        var certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
        var pem = "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(ca.RawData) + "\n-----END CERTIFICATE-----\n";
        return (certificate, Encoding.ASCII.GetBytes(pem));
    }
}
