using System.Globalization;

namespace Box.K8sEventReporting.Primitives;

/// <summary>A number or duration setting that must lie within a range, both ends included.</summary>
internal class SettingRangeAttribute : SettingAttribute
{
    private readonly IComparable minimum;
    private readonly IComparable maximum;

    /// <summary>Initializes a new instance of the <see cref="SettingRangeAttribute"/> class for a whole-number setting.</summary>
    /// <param name="minimum">The least allowed value.</param>
    /// <param name="maximum">The greatest allowed value.</param>
    public SettingRangeAttribute(int minimum, int maximum) => (this.minimum, this.maximum) = (minimum, maximum);

    /// <summary>Initializes a new instance of the <see cref="SettingRangeAttribute"/> class for a number setting.</summary>
    /// <param name="minimum">The least allowed value.</param>
    /// <param name="maximum">The greatest allowed value.</param>
    public SettingRangeAttribute(double minimum, double maximum) => (this.minimum, this.maximum) = (minimum, maximum);

    /// <summary>Initializes a new instance of the <see cref="SettingRangeAttribute"/> class for a duration setting.</summary>
    /// <param name="minimum">The least allowed duration, such as <c>00:00:01</c>.</param>
    /// <param name="maximum">The greatest allowed duration, such as <c>1.00:00:00</c>.</param>
    public SettingRangeAttribute(string minimum, string maximum) =>
        (this.minimum, this.maximum) = (TimeSpan.Parse(minimum, CultureInfo.InvariantCulture), TimeSpan.Parse(maximum, CultureInfo.InvariantCulture));

    /// <summary>Gets or sets what the message puts between the two ends.</summary>
    public string Separator { get; set; } = "–";

    /// <summary>Gets the least allowed value; another setting's value when the range starts there.</summary>
    /// <param name="options">The options instance being validated.</param>
    /// <returns>The least allowed value.</returns>
    protected virtual IComparable Minimum(object options) => minimum;

    /// <inheritdoc />
    protected override string? Broken(object? value, object options)
    {
        var least = Minimum(options);
        return value is IComparable comparable && comparable.CompareTo(least) >= 0 && comparable.CompareTo(maximum) <= 0
            ? null
            : $"must be {Shown(least)}{Separator}{Shown(maximum)}";
    }
}
