using System.Collections.Concurrent;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.IntegrationTests.TestSupport;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using ControlPlane;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>
/// A child the API server refuses for good, through the whole controller against the cluster fixture (in-process or
/// real): reported on the owner once, and not tried again before the revalidation interval (5 minutes by default).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OwnedChildRefusalIntegrationTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Controller_ChildNoReplacementCanFix_OneWarningAndReadyFalseWithTheServersMessageAndNoRetry()
    {
        var ns = await cluster.CreateNamespaceAsync("refused");
        var reconciled = new ConcurrentQueue<string>();
        var host = await StartAsync(ns, reconciled);
        var stopped = false;
        try
        {
            await CreatePkiAsync(ns, "bad");
            var ready = await Wait.ForValueAsync(
                async () => (await ReadPkiAsync(ns, "bad")).Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready" && c.Status == "False"),
                "Ready=False on the Pki whose Secret is refused");
            await Wait.ForValueAsync(async () => (await EventsAsync(ns, "bad")).FirstOrDefault(), "the Warning on that Pki");

            // A later Pki is a marker: once it is done, a retry of the refused one would long have happened.
            await CreatePkiAsync(ns, "marker");
            await Wait.UntilAsync(
                async () => (await ReadPkiAsync(ns, "marker")).Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready")?.Status == "True",
                "the marker Pki is Ready");
            await StopAsync(host);
            stopped = true;

            var expected = $"The API server refused to create Secret {ns}/bad (422 Invalid, field data[tls.key]): Secret \"bad\" is invalid: data[tls.key]: Required value";
            var warning = Assert.Single(await EventsAsync(ns, "bad"));
            Assert.Equal(("Warning", "SecretInvalid", expected, 1), (warning.Type, warning.Reason, warning.Message, warning.Count ?? 1));
            Assert.Equal(("SecretInvalid", expected), (ready.Reason, ready.Message));
            Assert.Equal(1, reconciled.Count(n => n == "bad"));
            Assert.Null((await cluster.Client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "metadata.name=bad")).Items.SingleOrDefault());
            ControlPlaneRbac.AssertNoDenials(cluster.Server, [ns]);
        }
        finally
        {
            if (!stopped)
            {
                await StopAsync(host);
            }

            host.Dispose();
        }
    }

    /// <summary>
    /// A controller of Pkis, as the control plane's service account, watching only <paramref name="ns"/>: it writes each
    /// Pki's Secret with the owned-child writer, a <c>kubernetes.io/tls</c> one without its key for the Pki named bad.
    /// </summary>
    private async Task<IHost> StartAsync(string ns, ConcurrentQueue<string> reconciled)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        IHost? host = null;
        builder.Services.AddK8sEventReporting()
            .UseKubernetesClient(cluster.ControlPlaneConfiguration)
            .ConfigureControllers(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2))
            .AddController<Pki>(c => c
                .AddReconciler(async (pki, ct) =>
                {
                    reconciled.Enqueue(pki.Metadata.Name);
                    var writer = host!.Services.GetRequiredService<OwnedChildWriter<V1Secret>>();
                    return (await writer.EnsureAsync(pki, Desired(pki), ct)).ToReconcileResult();
                })
                .Owns<V1Secret>());
        builder.Services.ConfigureAll<CustomResourceWatcherOptions>(o => o.Namespaces.Add(ns));
        builder.Services.Configure<EventReporterOptions>(o =>
        {
            o.ReportingComponent = "controlplane";
            o.ReportingInstance = "refusal-test";
        });
        host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static V1Secret Desired(Pki pki) => pki.Metadata.Name == "bad"
        ? new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "bad" },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = "-----BEGIN CERTIFICATE-----"u8.ToArray() },
        }
        : new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = pki.Metadata.Name },
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { ["serviceName"] = System.Text.Encoding.UTF8.GetBytes(pki.Spec?.ServiceName ?? string.Empty) },
        };

    private static async Task StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StopAsync(timeout.Token);
    }

    private async Task CreatePkiAsync(string ns, string name) =>
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Pki { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = new PkiSpec { ServiceName = "app1" } }, "box.com", "v1", ns, "pkis");

    private async Task<Pki> ReadPkiAsync(string ns, string name) =>
        await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", name);

    private async Task<IReadOnlyList<Corev1Event>> EventsAsync(string ns, string pki) =>
        [.. (await cluster.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.kind=Pki,involvedObject.name={pki},reportingComponent=controlplane")).Items];
}
