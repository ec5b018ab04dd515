namespace Box.K8sEventReporting.Primitives;

/// <summary>An enum setting that must be one of the enum's named values.</summary>
/// <param name="allowed">The allowed values as the message lists them, such as <c>Automatic, CoreV1 or EventsV1</c>.</param>
internal sealed class SettingEnumAttribute(string allowed) : SettingAttribute
{
    /// <inheritdoc />
    protected override string? Broken(object? value, object options) =>
        value is Enum named && Enum.IsDefined(named.GetType(), named) ? null : $"must be {allowed}";

    /// <inheritdoc />
    protected override string Shown(object? value) => value is Enum named ? Convert.ToInt64(named, null).ToString(null, null) : base.Shown(value);
}
