using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Tests.Reporting;

public class EventNamesTests
{
    private static readonly InvolvedObjectKey Pod = new("Pod", "team-a", "app1", "4686097c");

    [Fact]
    public void For_SameReport_IsStableAcrossCalls()
    {
        var key = new EventKey(Pod, "controlplane", EventType.Warning, "InvalidServiceName", "m");

        Assert.Equal(EventNames.For(key), EventNames.For(key with { }));
        Assert.Matches("^app1\\.[0-9a-f]{16}$", EventNames.For(key));
    }

    [Theory]
    [InlineData("controlplane", EventType.Warning, "InvalidServiceName", "other message")]
    [InlineData("other", EventType.Warning, "InvalidServiceName", "m")]
    [InlineData("controlplane", EventType.Normal, "InvalidServiceName", "m")]
    [InlineData("controlplane", EventType.Warning, "OtherReason", "m")]
    public void For_AnyKeyPartDiffers_GivesAnotherName(string component, EventType type, string reason, string message)
    {
        var baseline = EventNames.For(new EventKey(Pod, "controlplane", EventType.Warning, "InvalidServiceName", "m"));

        Assert.NotEqual(baseline, EventNames.For(new EventKey(Pod, component, type, reason, message)));
    }

    [Fact]
    public void For_LongObjectName_StaysWithin253Characters()
    {
        var key = new EventKey(Pod with { Name = new string('a', 253) }, "controlplane", EventType.Warning, "R", "m");

        Assert.True(EventNames.For(key).Length <= 253);
    }
}
