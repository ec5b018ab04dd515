using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.Testing.ApiServer;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>Shared set-up: a server with the Pki CRD of the transcripts and namespaces team-a and team-b.</summary>
internal static class ApiServerTestHelpers
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<InProcessApiServer> StartWithPkiAsync(InProcessApiServerOptions? options = null)
    {
        options ??= new InProcessApiServerOptions();
        options.TooLargeResourceVersionWait = TimeSpan.Zero;
        var server = await InProcessApiServer.StartAsync(options);
        server.EnsureNamespace("team-a");
        server.EnsureNamespace("team-b");
        using var http = CreateHttp(server);
        using var response = await SendAsync(http, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", PkiCrdJson);
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException("CRD create failed: " + await response.Content.ReadAsStringAsync());
        }

        return server;
    }

    public static HttpClient CreateHttp(InProcessApiServer server) => new() { BaseAddress = server.BaseAddress, Timeout = Timeout };

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string method, string path, string? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    public static async Task<(int Status, JsonObject Body)> SendJsonAsync(HttpClient http, string method, string path, string? body = null, string contentType = "application/json")
    {
        using var response = await SendAsync(http, method, path, body, contentType);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    public static string PkiJson(string ns, string name, string serviceName, string? labels = null) =>
        "{\"apiVersion\":\"box.com/v1\",\"kind\":\"Pki\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns + "\""
        + (labels is null ? string.Empty : ",\"labels\":" + labels) + "},\"spec\":{\"serviceName\":\"" + serviceName + "\"}}";

    /// <summary>Waits for a condition without sleeping a fixed time: polls with a short yield until the timeout.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Yield();
            await Task.Delay(TimeSpan.FromMilliseconds(5), cts.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public const string PkiCrdJson = """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"pkis.box.com"},
         "spec":{"group":"box.com","scope":"Namespaced","names":{"kind":"Pki","listKind":"PkiList","plural":"pkis","singular":"pki"},
          "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
            "schema":{"openAPIV3Schema":{"type":"object","required":["spec"],"properties":{
              "spec":{"type":"object","required":["serviceName"],"properties":{"serviceName":{"type":"string","maxLength":63,"pattern":"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}}},
              "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}}
        """;
}
