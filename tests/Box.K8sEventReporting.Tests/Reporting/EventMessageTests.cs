using System.Text;
using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Tests.Reporting;

public class EventMessageTests
{
    [Fact]
    public void Truncate_SampleMessage_PassesThroughUntouched()
    {
        const string sample = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2]";

        var result = EventMessage.Truncate(sample);

        Assert.Same(sample, result);
    }

    [Fact]
    public void Truncate_Exactly1024Bytes_PassesThrough()
    {
        var message = new string('x', 1024);

        Assert.Same(message, EventMessage.Truncate(message));
    }

    [Fact]
    public void Truncate_LongMessage_KeepsStartAndEndWithMarkerWithin1024Bytes()
    {
        var message = "START " + string.Concat(Enumerable.Range(0, 200).Select(i => $"allowed-name-{i:000} ")) + " END";

        var result = EventMessage.Truncate(message);

        Assert.True(Encoding.UTF8.GetByteCount(result) <= 1024);
        Assert.StartsWith("START ", result, StringComparison.Ordinal);
        Assert.EndsWith(" END", result, StringComparison.Ordinal);
        Assert.Contains(EventMessage.Marker, result, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(result) >= 1020, "the budget should be used");
    }

    [Theory]
    [InlineData("é")]
    [InlineData("€")]
    [InlineData("😀")]
    public void Truncate_MultiByteCharacters_NeverSplitsASequence(string unit)
    {
        var message = string.Concat(Enumerable.Repeat(unit, 2000));

        var result = EventMessage.Truncate(message);

        var bytes = Encoding.UTF8.GetBytes(result);
        Assert.True(bytes.Length <= 1024);
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        Assert.Equal(result, strict.GetString(bytes));
        Assert.DoesNotContain('\uFFFD', result);
        Assert.StartsWith(unit, result, StringComparison.Ordinal);
        Assert.EndsWith(unit, result, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncate_ConditionLimit_AllowsLongerMessages()
    {
        var message = new string('y', 5000);

        Assert.Same(message, EventMessage.Truncate(message, EventMessage.MaxConditionMessageBytes));
    }
}
