using System.Net;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using static Box.K8sEventReporting.IntegrationTests.ApiServer.ApiServerTestHelpers;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// The in-process server's own timing and transport, as recorded from a real server (<c>ApiServer/Recorded</c>):
/// bookmark cadence, the garbage collector running after the DELETE, HTTPS with HTTP/2.
/// </summary>
[Trait("Cluster", "InProcessOnly")] // Fake time drives the server's clocks, and the requests' protocol is read from the server.
public sealed class InProcessApiServerTimingTests
{
    [Fact]
    public async Task Watch_DefaultBookmarkCadence_AfterAMinuteAndTwoSecondsBeforeTheTimeoutLikeTranscript03()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T16:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await StartWithPkiAsync(new InProcessApiServerOptions { TimeProvider = time });
        using var http = CreateHttp(server);
        var start = server.ResourceVersion;
        await SendJsonAsync(http, "POST", "/api/v1/namespaces/team-a/configmaps", """{"metadata":{"name":"c1"}}""");

        await using var watch = await RawWatch.OpenAsync(http, $"/api/v1/namespaces/team-a/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion={start}&timeoutSeconds=70");
        var added = await watch.NextAsync();
        time.Advance(TimeSpan.FromSeconds(59));
        var quietForAMinute = await watch.StaysQuietAsync(TimeSpan.FromMilliseconds(100));
        time.Advance(TimeSpan.FromSeconds(1));
        var atAMinute = await watch.PendingAsync();
        time.Advance(TimeSpan.FromSeconds(7));
        var quietUntilNearTheEnd = await watch.StaysQuietAsync(TimeSpan.FromMilliseconds(100));
        time.Advance(TimeSpan.FromSeconds(1));
        var beforeTimeout = await watch.PendingAsync();
        time.Advance(TimeSpan.FromSeconds(2));
        var end = await watch.NextLineAsync();

        Assert.Equal("ADDED", added!["type"]!.GetValue<string>());
        Assert.True(quietForAMinute, "no bookmark in the first minute (the old default sent one every second)");
        Assert.Equal("BOOKMARK", atAMinute!["type"]!.GetValue<string>());
        Assert.True(quietUntilNearTheEnd);
        Assert.Equal("BOOKMARK", beforeTimeout!["type"]!.GetValue<string>());
        Assert.Null(end);
    }

    [Fact]
    public async Task DeleteOwner_Background_DependentStaysUntilTheCollectorRunsAfterTheRequest()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartWithPkiAsync(new InProcessApiServerOptions { TimeProvider = time });
        using var client = server.CreateClient();
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, "team-a");
        await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owned", OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid }] } },
            "team-a");

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", "team-a");
        var rightAfter = await client.CoreV1.ReadNamespacedConfigMapAsync("owned", "team-a");
        await Wait.UntilAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
                try
                {
                    await client.CoreV1.ReadNamespacedConfigMapAsync("owned", "team-a");
                    return false;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    return true;
                }
            },
            "the collector deleted the dependent");

        Assert.Equal(owner.Metadata.Uid, Assert.Single(rightAfter.Metadata.OwnerReferences).Uid);
    }

    [Fact]
    public async Task Https_ClientFromTheServersKubeconfig_TalksHttp2OverTlsAndAnUntrustingClientIsRefused()
    {
        await using var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { Https = true });
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(kubeconfig, server.CreateKubeconfig());
        try
        {
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            using var untrusting = new Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString() });

            var namespaces = await client.CoreV1.ListNamespaceAsync();
            var refused = await Assert.ThrowsAnyAsync<HttpRequestException>(() => untrusting.CoreV1.ListNamespaceAsync());

            Assert.Equal("https", server.BaseAddress.Scheme);
            Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
            Assert.NotNull(refused.InnerException as System.Security.Authentication.AuthenticationException);
            Assert.Equal("HTTP/2", Assert.Single(server.Requests, r => r.StatusCode == 200).Protocol);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task Http_DefaultServer_PlainHttp11()
    {
        await using var server = await InProcessApiServer.StartAsync();
        using var client = server.CreateClient();

        await client.CoreV1.ListNamespaceAsync();

        Assert.Equal("http", server.BaseAddress.Scheme);
        Assert.Equal("HTTP/1.1", Assert.Single(server.Requests).Protocol);
    }
}
