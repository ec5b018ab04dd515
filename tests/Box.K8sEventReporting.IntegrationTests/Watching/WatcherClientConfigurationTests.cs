using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Watching;
using k8s;

namespace Box.K8sEventReporting.IntegrationTests.Watching;

/// <summary>
/// The watcher honours the client's configuration on its own HTTP path. The in-process server (plain HTTP) sits behind a TLS
/// front whose certificate names only <c>kube.internal</c>, reached at 127.0.0.1, as a kubeconfig with <c>tls-server-name</c>
/// describes; the front records the TLS server name and application protocol of every connection. Needs the fault-free
/// in-process server only because a real cluster's certificate is not the test's to choose.
/// </summary>
public sealed class WatcherClientConfigurationTests : IAsyncLifetime
{
    private const string ServerName = "kube.internal";
    private WatcherTestContext context = null!;
    private TlsFront front = null!;

    public async Task InitializeAsync()
    {
        context = await WatcherTestContext.StartAsync();
        front = TlsFront.Start(context.Server.BaseAddress, ServerName);
        await context.CreateAsync("team-a", "p1", "svc");
    }

    public async Task DisposeAsync()
    {
        await front.DisposeAsync();
        await context.DisposeAsync();
    }

    private KubernetesClientConfiguration Configuration(bool disableHttp2) => new()
    {
        Host = $"https://127.0.0.1:{front.Port}",
        TlsServerName = ServerName,
        SslCaCerts = [front.CertificateWithoutKey],
        DisableHttp2 = disableHttp2,
    };

    private string Describe() =>
        $"connections [{string.Join(", ", front.Connections)}], front errors [{string.Join(" | ", front.Errors)}], log [{string.Join(" | ", context.Logs.Lines.TakeLast(5))}]";

    [Fact]
    public async Task TlsServerName_CertificateNamesOnlyThatName_WatcherSyncsAndWatchesOverTls()
    {
        using var client = new Kubernetes(Configuration(disableHttp2: true));
        await using var watcher = new CustomResourceWatcher<TestPki>(client, WatcherTestContext.FastOptions(), context.Logs);

        var sync = watcher.Cache.WaitForInitialSyncAsync();
        await Wait.UntilAsync(() => sync.IsCompletedSuccessfully, "the sync over TLS", describe: Describe);
        await context.CreateAsync("team-a", "p2", "svc");
        await Wait.UntilAsync(() => watcher.Cache.Get("team-a", "p2") is not null, "a change through the watch over TLS");

        Assert.NotEmpty(front.Connections);
        Assert.All(front.Connections, c => Assert.Equal(ServerName, c.ServerName));
    }

    [Fact]
    public async Task DisableHttp2_WatcherListsAndWatchesOverHttp11()
    {
        using var client = new Kubernetes(Configuration(disableHttp2: true));
        await using var watcher = new CustomResourceWatcher<TestPki>(client, WatcherTestContext.FastOptions(), context.Logs);

        var sync = watcher.Cache.WaitForInitialSyncAsync();
        await Wait.UntilAsync(() => sync.IsCompletedSuccessfully, "the sync over HTTP/1.1", describe: Describe);
        await Wait.UntilAsync(() => context.Server.CountRequests("watch") >= 1, "the watch is open");

        // An HTTP/1.1-only client offers no ALPN at all (or http/1.1): never h2.
        Assert.All(front.Connections, c => Assert.NotEqual(SslApplicationProtocol.Http2, c.Protocol));
    }

    [Fact]
    public async Task Http2Enabled_WatcherOffersHttp2LikeTheClient()
    {
        using var client = new Kubernetes(Configuration(disableHttp2: false));
        await using var watcher = new CustomResourceWatcher<TestPki>(client, WatcherTestContext.FastOptions(), context.Logs);
        _ = watcher.Cache.WaitForInitialSyncAsync();

        // The front speaks HTTP/1.1 only to the server behind it, so it records the protocol and closes an HTTP/2 connection.
        await Wait.UntilAsync(() => !front.Connections.IsEmpty, "the watcher connected");

        Assert.Equal(SslApplicationProtocol.Http2, front.Connections.First().Protocol);
    }

    /// <summary>A TLS terminator in front of a plain-HTTP server, like a load balancer in front of an API server.</summary>
    private sealed class TlsFront : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stop = new();
        private readonly X509Certificate2 certificate;
        private readonly Uri backend;
        private Task accepting = Task.CompletedTask;

        private TlsFront(Uri backend, string serverName)
        {
            this.backend = backend;
            using var key = RSA.Create(2048);
            var request = new CertificateRequest($"CN={serverName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(serverName);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            CertificateWithoutKey = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public X509Certificate2 CertificateWithoutKey { get; }

        /// <summary>Gets the TLS server name (SNI) and the negotiated protocol (empty without ALPN) of every connection.</summary>
        public ConcurrentQueue<(string ServerName, SslApplicationProtocol Protocol)> Connections { get; } = new();

        public ConcurrentQueue<string> Errors { get; } = new();

        public static TlsFront Start(Uri backend, string serverName)
        {
            var front = new TlsFront(backend, serverName);
            front.listener.Start();
            front.accepting = front.AcceptAsync();
            return front;
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            await accepting;
            certificate.Dispose();
            CertificateWithoutKey.Dispose();
            stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            var connections = new List<Task>();
            try
            {
                while (true)
                {
                    var socket = await listener.AcceptTcpClientAsync(stop.Token);
                    connections.Add(ServeAsync(socket));
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }

            await Task.WhenAll(connections);
        }

        private async Task ServeAsync(TcpClient socket)
        {
            using var _ = socket;
            try
            {
                await using var tls = new SslStream(socket.GetStream());
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = certificate,
                        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                    },
                    stop.Token);
                Connections.Enqueue((tls.TargetHostName, tls.NegotiatedApplicationProtocol));
                if (tls.NegotiatedApplicationProtocol == SslApplicationProtocol.Http2)
                {
                    return;
                }

                using var upstream = new TcpClient();
                await upstream.ConnectAsync(backend.Host, backend.Port, stop.Token);
                await using var upstreamStream = upstream.GetStream();
                using var done = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                var up = tls.CopyToAsync(upstreamStream, done.Token);
                var down = upstreamStream.CopyToAsync(tls, done.Token);
                await Task.WhenAny(up, down);
                await done.CancelAsync();
                await Task.WhenAll(up, down).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
            catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client went away or refused the certificate: nothing to forward.
                Errors.Enqueue(ex.GetType().Name + ": " + ex.Message);
            }
        }
    }
}
