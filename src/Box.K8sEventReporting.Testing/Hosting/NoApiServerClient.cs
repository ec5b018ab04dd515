using k8s;

namespace Box.K8sEventReporting.Testing;

/// <summary>
/// The Kubernetes client a <see cref="ControllerTestHost"/> over fakes gives the composition: every service that needs an
/// <see cref="IKubernetes"/> (an <c>Owns&lt;T&gt;()</c> writer, a reconciler, a certificate issuer) can be built, so the
/// whole composition starts; a call through it fails at once with what to do instead, rather than a connection error.
/// </summary>
internal static class NoApiServerClient
{
    public static string Message(string request) =>
        $"This ControllerTestHost runs over fakes: there is no API server to answer {request}. Code that calls the Kubernetes API " +
        "(a reconciler's writes, an owned child, a certificate) needs one: start the host with " +
        "ControllerTestHost.StartAsync(server, compose) over an InProcessApiServer, or register your own IKubernetes in compose.";

    public static IKubernetes Create() =>
        new Kubernetes(new KubernetesClientConfiguration { Host = "http://no-api-server.invalid" }, new Refuse());

    private sealed class Refuse : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(Message($"{request.Method} {request.RequestUri?.PathAndQuery}"));
    }
}
