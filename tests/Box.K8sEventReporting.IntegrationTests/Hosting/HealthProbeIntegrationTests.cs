using System.Net;
using System.Net.Sockets;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Tests.TestSupport;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.IntegrationTests.Hosting;

/// <summary>The opt-in probe endpoint over real HTTP, as the kubelet's <c>httpGet</c> probes reach it.</summary>
[Trait("Cluster", "InProcessOnly")] // Needs no cluster: the probes read a substituted health source.
public sealed class HealthProbeIntegrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Probes_ReadyButNotLive_Answer200ForReadyz503ForLivezAnd404Elsewhere()
    {
        var health = new StubControllerHealth(new ControllerHealthReport(IsReady: true, IsLive: false, IsLeader: true, "stalled: no progress on Pki"));
        var port = FreePort();
        using var host = BuildHost(health, port);
        await host.StartAsync();

        using (var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Patience })
        {
            using var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
            using var live = await client.GetAsync(new Uri("/livez", UriKind.Relative));
            using var other = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("ok: stalled: no progress on Pki\n", await ready.Content.ReadAsStringAsync());
            Assert.Equal("text/plain; charset=utf-8", ready.Content.Headers.ContentType?.ToString());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, live.StatusCode);
            Assert.Equal("failing: stalled: no progress on Pki\n", await live.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }

        await StopAsync(host);
    }

    [Fact]
    public async Task Readyz_CheckThrows_Answers503AndKeepsServing()
    {
        var health = new StubControllerHealth(
            () => throw new InvalidOperationException("broken"),
            () => new ControllerHealthReport(IsReady: true, IsLive: true, IsLeader: false, "standby as 'b'"));
        var port = FreePort();
        using var host = BuildHost(health, port);
        await host.StartAsync();

        using (var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Patience })
        {
            using var failed = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
            using var next = await client.GetAsync(new Uri("/readyz", UriKind.Relative));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.Equal("failing: the health check threw InvalidOperationException\n", await failed.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }

        await StopAsync(host);
    }

    [Fact]
    public async Task StopAsync_AfterServing_FreesThePort()
    {
        var health = new StubControllerHealth(new ControllerHealthReport(IsReady: false, IsLive: true, IsLeader: false, "syncing caches"));
        var port = FreePort();
        using var host = BuildHost(health, port);
        await host.StartAsync();
        using (var client = new HttpClient { Timeout = Patience })
        {
            using var ready = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        var heldWhileRunning = Assert.Throws<SocketException>(() => Bind(port));

        await StopAsync(host);

        Assert.Equal(SocketError.AddressAlreadyInUse, heldWhileRunning.SocketErrorCode);
        using var reused = Bind(port);
        Assert.True(reused.IsBound);
    }

    [Fact]
    public async Task StartAsync_PortTaken_StopsTheHostWithOneLineNamingThePortAndTheSetting()
    {
        var port = FreePort();
        using var taken = new TcpListener(IPAddress.Any, port);
        taken.Start();
        var logs = new CapturingLoggerFactory();
        using var host = BuildHost(new StubControllerHealth(), port, logs);
        var exitCode = Environment.ExitCode;
        try
        {
            await host.StartAsync();
            await host.WaitForShutdownAsync().WaitAsync(Patience);

            var critical = Assert.Single(logs.Lines, l => l.Contains(" Critical ", StringComparison.Ordinal));
            Assert.Contains($"Cannot start: cannot serve health probes on http://*:{port}/: ", critical, StringComparison.Ordinal);
            Assert.Contains($"set K8sEventReporting:Health:Port (was {port})", critical, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", critical, StringComparison.Ordinal);
            Assert.Equal(1, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    [Fact]
    public async Task StartAsync_ProbesArrivingWhileItStarts_StartsEveryTimeAndAnswers()
    {
        // The kubelet probes as soon as the container runs: connections already queued when the listener starts must be
        // served like any other, never fail the start. Each round starts a host while a client keeps connecting.
        var health = new StubControllerHealth(new ControllerHealthReport(IsReady: true, IsLive: true, IsLeader: true, "leading as 'a'"));
        for (var round = 0; round < 20; round++)
        {
            var port = FreePort();
            using var stopProbing = new CancellationTokenSource();
            var probing = ProbeUntilCancelledAsync(port, stopProbing.Token);
            using var host = BuildHost(health, port);

            await host.StartAsync();
            using (var client = new HttpClient { Timeout = Patience })
            {
                using var ready = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            await stopProbing.CancelAsync();
            await probing;
            await StopAsync(host);
        }
    }

    private static async Task ProbeUntilCancelledAsync(int port, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                await socket.SendAsync("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), cancellationToken);
            }
            catch (SocketException)
            {
                // Not listening yet, or closed: try again.
                await Task.Yield();
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [Fact]
    public async Task Probes_HeadAndQueryString_AnsweredLikeGet()
    {
        var health = new StubControllerHealth(new ControllerHealthReport(IsReady: true, IsLive: true, IsLeader: true, "leading as 'a'"));
        var port = FreePort();
        using var host = BuildHost(health, port);
        await host.StartAsync();

        using (var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Patience })
        {
            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri("/livez", UriKind.Relative)));
            using var query = await client.GetAsync(new Uri("/readyz?verbose", UriKind.Relative));

            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal("ok: leading as 'a'\n".Length, head.Content.Headers.ContentLength);
            Assert.Equal("ok: leading as 'a'\n", await query.Content.ReadAsStringAsync());
        }

        await StopAsync(host);
    }

    private static IHost BuildHost(IControllerHealth health, int port, ILoggerFactory? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (logs is not null)
        {
            builder.Services.AddSingleton(logs);
        }

        // Registered first, so the library's TryAdd keeps these: the probe reads the fake health, and the (controller-less)
        // controller service finds a client it never calls.
        builder.Services.AddSingleton(health);
        builder.Services.AddSingleton<IKubernetes>(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        builder.Services.AddK8sEventReporting().AddHealthProbes(o => o.Port = port);
        return builder.Build();
    }

    private static async Task StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(Patience);
        await host.StopAsync(timeout.Token);
    }

    private static Socket Bind(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            socket.Listen();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A port free now; the small race with other processes is acceptable for tests (the probe options take 1–65535, not 0).</summary>
    internal static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
