using System.Text.Json.Nodes;
using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Tests.Reporting;

public class StatusConditionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 16, 0, 0, TimeSpan.Zero);
    private static readonly ResourceCondition Invalid = new("Ready", ConditionStatus.False, "InvalidServiceName", "bad");

    [Fact]
    public void TryApply_NoConditions_AddsWithTransitionTimeAndGeneration()
    {
        var conditions = new JsonArray();

        Assert.True(StatusConditions.TryApply(conditions, Invalid, 3, T0));

        var c = conditions.Single()!.AsObject();
        Assert.Equal("False", (string?)c["status"]);
        Assert.Equal("2026-11-25T16:00:00Z", (string?)c["lastTransitionTime"]);
        Assert.Equal(3, (long?)c["observedGeneration"]);
        Assert.Equal("InvalidServiceName", (string?)c["reason"]);
    }

    [Fact]
    public void TryApply_ControlCharactersInMessage_AreEscapedInTheCondition()
    {
        var conditions = new JsonArray();

        StatusConditions.TryApply(conditions, Invalid with { Message = "ServiceName: a\nWarning Fake: b\0\t" }, 1, T0);

        Assert.Equal("ServiceName: a\\nWarning Fake: b\\x00\\t", (string?)conditions.Single()!["message"]);
        Assert.False(StatusConditions.TryApply(conditions, Invalid with { Message = "ServiceName: a\nWarning Fake: b\0\t" }, 1, T0), "the escaped message is what is compared");
    }

    [Fact]
    public void TryApply_SameCondition_ReportsNoChange()
    {
        var conditions = new JsonArray();
        StatusConditions.TryApply(conditions, Invalid, 3, T0);

        Assert.False(StatusConditions.TryApply(conditions, Invalid, 3, T0.AddMinutes(1)));
    }

    [Fact]
    public void TryApply_SameStatusNewMessage_KeepsTransitionTime()
    {
        var conditions = new JsonArray();
        StatusConditions.TryApply(conditions, Invalid, 3, T0);

        Assert.True(StatusConditions.TryApply(conditions, Invalid with { Message = "other" }, 4, T0.AddMinutes(1)));

        Assert.Equal("2026-11-25T16:00:00Z", (string?)conditions.Single()!["lastTransitionTime"]);
        Assert.Equal(4, (long?)conditions.Single()!["observedGeneration"]);
    }

    [Fact]
    public void TryApply_StatusFlips_UpdatesTransitionTimeAndKeepsOtherConditions()
    {
        var conditions = new JsonArray(new JsonObject { ["type"] = "Provisioned", ["status"] = "True" });
        StatusConditions.TryApply(conditions, Invalid, 3, T0);

        StatusConditions.TryApply(conditions, new ResourceCondition("Ready", ConditionStatus.True, "Valid", "ok"), 4, T0.AddMinutes(5));

        Assert.Equal(2, conditions.Count);
        Assert.Equal("Provisioned", (string?)conditions[0]!["type"]);
        Assert.Equal("2026-11-25T16:05:00Z", (string?)conditions[1]!["lastTransitionTime"]);
        Assert.Equal("True", StatusConditions.StatusOf(conditions, "Ready"));
    }
}
