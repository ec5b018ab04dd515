using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Testing.ApiServer;
using Box.K8sEventReporting.Tests.TestSupport;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Controller;

/// <summary>
/// A child the API server refuses for good, through the real controller loop on fake time: the owned-child writer over
/// the in-process API server, which refuses a <c>kubernetes.io/tls</c> Secret without <c>tls.key</c> as a real one does.
/// </summary>
public sealed class OwnedChildRefusalTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly MeterCapture _meters = new();
    private readonly ConcurrentQueue<(string Kind, string Verb, int Code)> _refusals = new();

    public OwnedChildRefusalTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, _meters.Factory) && instrument.Name == "k8s_event_reporting.owned_child.refusals")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            if (map["kind"] is "Secret" && map["verb"] is string verb && map["code"] is int code)
            {
                _refusals.Enqueue(("Secret", verb, code));
            }
        });
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
    }

    [Fact]
    public async Task Reconcile_ChildNoReplacementCanFix_OverFiveMinutesIsReportedAndTriedOnlyAtTheRevalidationInterval()
    {
        await using var server = await InProcessApiServer.StartAsync();
        server.EnsureNamespace("ns-refused");
        using var client = server.CreateClient();
        var writer = new OwnedChildWriter<V1Secret>(client, "controlplane") { Metrics = _meters.Controller };
        await using var h = new ControllerHarness();
        h.OnReconcileWithToken = async (widget, ct) => (await writer.EnsureAsync(widget, TlsSecretWithoutKey(widget.Metadata.Name), ct)).ToReconcileResult();
        h.StartPump().StartWorkers();

        h.Watcher.Add(Widget.Create("a", ns: "ns-refused"));
        await Eventually.TrueAsync(() => h.Reporter.CountOf("invalid a") == 1 && h.Controller.Queue.WaitingCount == 1, "the refusal is reported and the widget waits");
        for (var second = 0; second < 5 * 60; second++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await h.WaitIdleAsync($"the work due at {second + 1} s is done");
        }

        // One reconcile at once and one at the revalidation interval (5 min): never the exponential retries of an error.
        Assert.Equal(2, h.ReconcileCount("a"));
        Assert.Equal(["invalid a SecretInvalid", "invalid a SecretInvalid"], h.Reporter.Calls);
        Assert.Equal(2, server.CountRequests("create", "/namespaces/ns-refused/secrets"));
        Assert.Equal([("Secret", "create", 422), ("Secret", "create", 422)], _refusals);
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReadNamespacedSecretAsync("a", "ns-refused"));
    }

    private static V1Secret TlsSecretWithoutKey(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Type = "kubernetes.io/tls",
        Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----") },
    };
}
