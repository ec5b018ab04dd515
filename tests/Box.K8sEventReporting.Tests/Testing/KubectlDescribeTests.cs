using Box.K8sEventReporting.Testing;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Testing;

public class KubectlDescribeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FormatEvents_RepeatedEvent_ShowsCountOverAgeLikeKubectl()
    {
        var e = new Corev1Event
        {
            Type = "Warning",
            Reason = "InvalidServiceName",
            Message = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]",
            Count = 24,
            FirstTimestamp = Now.UtcDateTime.AddDays(-1),
            LastTimestamp = Now.UtcDateTime.AddSeconds(-30),
            Source = new V1EventSource { Component = "controlplane" },
        };

        var text = KubectlDescribe.FormatEvents([e], Now);

        Assert.Equal(
            "Events:\n" +
            "  Type     Reason              Age                 From          Message\n" +
            "  ----     ------              ----                ----          -------\n" +
            "  Warning  InvalidServiceName  30s (x24 over 24h)  controlplane  ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]",
            text);
    }

    [Fact]
    public void FormatEvents_None_SaysNone()
    {
        Assert.Equal("Events:  <none>", KubectlDescribe.FormatEvents([], Now));
    }
}
