using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Box.K8sEventReporting.Tests.Hosting;

/// <summary>
/// The client the library builds reads watches the way client-go does: a 4 MiB HTTP/2 receive window per stream, so that a
/// burst of events waits in the window instead of making a real API server cut the watch off as unresponsive.
/// </summary>
public sealed class KubernetesClientTransportTests
{
    [Fact]
    public void UseKubernetesClient_BuildsAClientWithClientGosStreamWindowAndKeepsTheCallersSetup()
    {
        HttpMessageHandler? seenByCaller = null;
        var configuration = new KubernetesClientConfiguration { Host = "https://127.0.0.1:6443", FirstMessageHandlerSetup = h => seenByCaller = h };
        var services = new ServiceCollection();
        services.AddK8sEventReporting(new ConfigurationBuilder().Build()).UseKubernetesClient(configuration);
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IKubernetes>();

        // The caller's own setup still runs, last, and sees the handler the client sends through.
        var handler = Assert.IsType<SocketsHttpHandler>(seenByCaller);
        Assert.Equal(4 * 1024 * 1024, handler.InitialHttp2StreamWindowSize);
    }
}
