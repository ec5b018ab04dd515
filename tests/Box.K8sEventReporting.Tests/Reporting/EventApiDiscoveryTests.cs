using System.Net;
using System.Text;
using Box.K8sEventReporting.Reporting;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Reporting;

/// <summary>EventApiVersion.Automatic: events.k8s.io/v1 where the server serves it, core/v1 otherwise, asked once.</summary>
public class EventApiDiscoveryTests
{
    private static readonly EventWrite Write = new(
        "app1.1", "team-a", new V1ObjectReference { Kind = "Pod", Name = "app1", NamespaceProperty = "team-a", ApiVersion = "v1" },
        EventType.Warning, "InvalidServiceName", "message", null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1, false);

    [Theory]
    [InlineData(true, "/apis/events.k8s.io/v1/namespaces/team-a/events", EventApiVersion.EventsV1)]
    [InlineData(false, "/api/v1/namespaces/team-a/events", EventApiVersion.CoreV1)]
    public async Task Automatic_AsksOnce_ThenWritesTheApiTheServerServes(bool servesEventsV1, string createdAt, EventApiVersion settled)
    {
        var server = new Server(servesEventsV1);
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://server.test" }, server);
        var writer = new KubernetesEventWriter(client, new EventReporterOptions());

        await writer.CreateAsync(Write, 1, CancellationToken.None);
        await writer.CreateAsync(Write with { Name = "app1.2" }, 1, CancellationToken.None);

        Assert.Equal(settled, writer.Api);
        Assert.Equal(["GET /apis/events.k8s.io/v1/", $"POST {createdAt}", $"POST {createdAt}"], server.Requests);
    }

    [Theory]
    [InlineData(EventApiVersion.CoreV1, "/api/v1/namespaces/team-a/events")]
    [InlineData(EventApiVersion.EventsV1, "/apis/events.k8s.io/v1/namespaces/team-a/events")]
    public async Task Explicit_NeverAsks(EventApiVersion chosen, string createdAt)
    {
        var server = new Server(servesEventsV1: true);
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://server.test" }, server);
        var writer = new KubernetesEventWriter(client, new EventReporterOptions { ApiVersion = chosen });

        await writer.CreateAsync(Write, 1, CancellationToken.None);

        Assert.Equal([$"POST {createdAt}"], server.Requests);
    }

    /// <summary>Answers discovery (200 with events, or 404 as a server without the group) and accepts every create.</summary>
    private sealed class Server(bool servesEventsV1) : DelegatingHandler
    {
        public List<string> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
            if (request.Method == HttpMethod.Get)
            {
                return servesEventsV1
                    ? Json(request, HttpStatusCode.OK, """{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"events.k8s.io/v1","resources":[{"name":"events","singularName":"event","namespaced":true,"kind":"Event","verbs":["create","get","list","patch"]}]}""")
                    : Json(request, HttpStatusCode.NotFound, "404 page not found");
            }

            return Json(request, HttpStatusCode.Created, await request.Content!.ReadAsStringAsync(cancellationToken));
        }

        private static HttpResponseMessage Json(HttpRequestMessage request, HttpStatusCode code, string body) =>
            new(code) { RequestMessage = request, Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }
}
