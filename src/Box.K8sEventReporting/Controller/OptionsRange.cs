using System.Globalization;

namespace Box.K8sEventReporting.Controller;

/// <summary>Range checks for options validators, with messages that name the setting, its value, the range and the key.</summary>
internal static class OptionsRange
{
    public static void Check<TValue>(
        List<string> failures,
        string optionsType,
        string configurationPrefix,
        string property,
        TValue value,
        TValue min,
        TValue max)
        where TValue : IComparable<TValue>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            failures.Add(string.Format(
                CultureInfo.InvariantCulture,
                "{0}.{1} must be {2}–{3} (was {4}); set {5}{1}.",
                optionsType,
                property,
                min,
                max,
                value,
                configurationPrefix));
        }
    }
}
