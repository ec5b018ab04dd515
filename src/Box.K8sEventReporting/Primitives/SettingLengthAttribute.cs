namespace Box.K8sEventReporting.Primitives;

/// <summary>A text setting whose length must lie within a range; never missing, and never only white space.</summary>
/// <param name="minimum">The least allowed number of characters, at least 1.</param>
/// <param name="maximum">The greatest allowed number of characters.</param>
internal sealed class SettingLengthAttribute(int minimum, int maximum) : SettingAttribute
{
    /// <summary>Gets or sets what the message puts between the two ends.</summary>
    public string Separator { get; set; } = "–";

    /// <inheritdoc />
    protected override string? Broken(object? value, object options) =>
        value is string { Length: > 0 } text && !string.IsNullOrWhiteSpace(text) && text.Length >= minimum && text.Length <= maximum
            ? null
            : $"must be {minimum}{Separator}{maximum} characters";
}
