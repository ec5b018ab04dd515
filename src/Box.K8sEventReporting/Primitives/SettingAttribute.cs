using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Box.K8sEventReporting.Primitives;

/// <summary>
/// A rule on one setting of an options type, checked by the options validator that <c>[OptionsValidator]</c> generates.
/// A failure is the one line a user reads at start: the setting, what is allowed, the value, and the configuration key to set.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = true)]
internal abstract class SettingAttribute : ValidationAttribute
{
    /// <summary>Says what is wrong with <paramref name="value"/>, or nothing when it is allowed.</summary>
    /// <param name="value">The setting's value.</param>
    /// <param name="options">The options instance, for rules that compare the setting with another one.</param>
    /// <returns>The requirement the value breaks, such as <c>must be 1–64</c>; <see langword="null"/> when it is allowed.</returns>
    protected abstract string? Broken(object? value, object options);

    /// <summary>Writes <paramref name="value"/> as the line quotes it: text in quotes, anything else as is.</summary>
    /// <param name="value">The setting's value.</param>
    /// <returns>The value as the line shows it.</returns>
    protected virtual string Shown(object? value) => value switch
    {
        null => "''",
        string text => $"'{text}'",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <inheritdoc />
    protected sealed override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        if (Broken(value, validationContext.ObjectInstance) is not { } requirement)
        {
            return ValidationResult.Success;
        }

        var member = validationContext.MemberName;
        var key = validationContext.ObjectInstance is IConfigurationBound bound ? $"; set {bound.ConfigurationPath}:{member}" : string.Empty;

        // No member names: the options result builder then takes the line as it is, without a "Member: " prefix.
        return new ValidationResult($"{validationContext.ObjectType.Name}.{member} {requirement} (was {Shown(value)}){key}.");
    }
}

/// <summary>Options bound from one configuration section, which validation messages name.</summary>
internal interface IConfigurationBound
{
    /// <summary>Gets the section's full path, such as <c>K8sEventReporting:Controller</c>.</summary>
    string ConfigurationPath { get; }
}
