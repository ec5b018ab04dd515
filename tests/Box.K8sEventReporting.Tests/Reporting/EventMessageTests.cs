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

    public static TheoryData<string, string> Escapes => new()
    {
        { "app1", "app1" },
        { "app1\nWarning Fake: forged line", "app1\\nWarning Fake: forged line" },
        { "a\tb\rc\ad\be\ff\vg", "a\\tb\\rc\\ad\\be\\ff\\vg" },
        { "nul\0here", "nul\\x00here" },
        { "esc\u001b[31mred", "esc\\x1b[31mred" },
        { "del\u007f", "del\\x7f" },
        { "c1\u0085next-line", "c1\\u0085next-line" },
        { "line\u2028separator", "line\\u2028separator" },
        { "para\u2029separator", "para\\u2029separator" },
        { "rtl\u202eoverride", "rtl\\u202eoverride" },
        { "zero\u200bwidth", "zero\\u200bwidth" },
        { "bom\ufeff", "bom\\ufeff" },
        { "nb\u00a0space", "nb\\u00a0space" },
        { "private\ue000use", "private\\ue000use" },
        { "tag\U000E0041char", "tag\\U000e0041char" },
        { "élan €5 日本語 Ελληνικά", "élan €5 日本語 Ελληνικά" },
        { "emoji 😀 stays", "emoji 😀 stays" },
        { "quotes \" and \\ stay", "quotes \" and \\ stay" },
        { "already \\n escaped", "already \\n escaped" },
        { string.Empty, string.Empty },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Escape_ControlAndInvisibleCharacters_AreWrittenAsGoQuoteDoes(string input, string expected)
    {
        var result = EventMessage.Escape(input);

        Assert.Equal(expected, result);
        Assert.Equal(expected, EventMessage.Escape(result)); // escaping twice changes nothing
        Assert.DoesNotContain(result, c => char.IsControl(c));
    }

    [Fact]
    public void Escape_UnpairedSurrogates_AreWrittenAsTheirCodeUnit()
    {
        // Not theory data: xUnit would turn an unpaired surrogate into U+FFFD on its way to the test.
        Assert.Equal("lone\\ud800high", EventMessage.Escape("lone\ud800high"));
        Assert.Equal("lone\\udc00low", EventMessage.Escape("lone\udc00low"));
        Assert.Equal("end\\ud83d", EventMessage.Escape("end\ud83d"));
    }

    [Fact]
    public void Escape_NothingToEscape_ReturnsTheSameInstance()
    {
        const string message = "ServiceName: appp1 in pki: app1-pki is not found in allowedNames: [app1 app2] é 😀";

        Assert.Same(message, EventMessage.Escape(message));
    }

    [Fact]
    public void Sanitize_ManyControlCharacters_EscapesFirstThenCutsWithin1024Bytes()
    {
        var message = "START " + new string('\0', 2000) + " END";

        var result = EventMessage.Sanitize(message);

        Assert.True(Encoding.UTF8.GetByteCount(result) <= EventMessage.MaxEventMessageBytes);
        Assert.StartsWith("START \\x00\\x00", result, StringComparison.Ordinal);
        Assert.EndsWith("\\x00 END", result, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', result);
    }

    [Theory]
    [InlineData("\n", 0)]
    [InlineData("\n", 1)]
    [InlineData("\0", 0)]
    [InlineData("\0", 1)]
    [InlineData("\0", 2)]
    [InlineData("\u2028", 0)]
    [InlineData("\u2028", 3)]
    [InlineData("\U000E0041", 0)]
    [InlineData("\U000E0041", 5)]
    public void Sanitize_CutFallsInsideAnEscape_KeepsOnlyWholeEscapes(string unit, int shift)
    {
        // Every shift moves the cut points to another offset inside the escape sequences.
        var message = new string('a', shift) + string.Concat(Enumerable.Repeat(unit, 600));

        var result = EventMessage.Sanitize(message);

        var escape = EventMessage.Escape(unit);
        var parts = result.Split(EventMessage.Marker);
        Assert.Equal(2, parts.Length);
        Assert.Equal(string.Empty, parts[0].TrimStart('a').Replace(escape, string.Empty, StringComparison.Ordinal));
        Assert.Equal(string.Empty, parts[1].Replace(escape, string.Empty, StringComparison.Ordinal));
        Assert.True(Encoding.UTF8.GetByteCount(result) <= EventMessage.MaxEventMessageBytes);
    }
}
