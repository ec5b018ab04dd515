using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Internal;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Internal;

public sealed class MicroTimeTests
{
    [Fact]
    public void From_WholeSecond_MovesOneMicrosecondOnSoTheClientWritesSixDigits()
    {
        var time = MicroTime.From(new DateTimeOffset(2026, 11, 25, 16, 32, 57, TimeSpan.Zero));

        Assert.Equal("""{"renewTime":"2026-11-25T16:32:57.000001Z"}""", KubernetesJson.Serialize(new k8s.Models.V1LeaseSpec { RenewTime = time }));
    }

    [Fact]
    public void From_SubMicrosecondTicksAndOffset_TruncatedToUtcMicroseconds()
    {
        var time = MicroTime.From(new DateTimeOffset(2026, 11, 25, 18, 32, 57, TimeSpan.FromHours(2)).AddTicks(1234567));

        Assert.Equal(DateTimeKind.Utc, time.Kind);
        Assert.Equal(new DateTime(2026, 11, 25, 16, 32, 57, DateTimeKind.Utc).AddTicks(1234560), time);
    }

    [Fact]
    public async Task LeaseElector_OnAWholeSecond_AcquiresAtTheFirstAttempt()
    {
        // A fake clock stands on whole seconds: the Lease's MicroTime fields must still decode on the server (400 otherwise).
        await using var server = await InProcessApiServer.StartAsync();
        using var client = new Kubernetes(server.CreateClientConfiguration());
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero));
        var options = new LeaderElectionOptions { Enabled = true, Identity = "a", LeaseNamespace = "default" };
        var elector = new LeaseElector(client, "default", "a", options, time, NullLogger.Instance);
        using var firstAttemptOnly = new CancellationTokenSource();
        var attempts = 0;

        await elector.AcquireAsync(() => { attempts++; firstAttemptOnly.Cancel(); }, firstAttemptOnly.Token);
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(options.LeaseName, "default");

        Assert.Equal(1, attempts);
        Assert.True(elector.HoldsLease);
        Assert.Equal("a", lease.Spec.HolderIdentity);
    }
}
