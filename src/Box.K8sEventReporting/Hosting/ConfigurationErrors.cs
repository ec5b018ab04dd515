using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Turns what a bad setting throws at start (failed validation, a value that does not convert, several at once) into
/// sentences that name the setting, its value and what is allowed; no I/O, no logging.
/// </summary>
internal static partial class ConfigurationErrors
{
    /// <summary>Describes <paramref name="exception"/> as one sentence per problem.</summary>
    /// <param name="exception">What validating or binding the options threw.</param>
    /// <param name="configuration">The application's configuration, to quote a value that did not convert; optional.</param>
    /// <returns>One sentence per problem, in order.</returns>
    public static IEnumerable<string> Describe(Exception exception, IConfiguration? configuration)
    {
        switch (exception)
        {
            case AggregateException aggregate:
                foreach (var problem in aggregate.InnerExceptions.SelectMany(inner => Describe(inner, configuration)))
                {
                    yield return problem;
                }

                break;
            case OptionsValidationException validation:
                foreach (var failure in validation.Failures)
                {
                    yield return failure;
                }

                break;
            case InvalidOperationException when ConversionFailure().Match(exception.Message) is { Success: true } match:
                yield return DescribeConversion(match.Groups["path"].Value, match.Groups["type"].Value, configuration);
                break;
            default:
                yield return exception.Message;
                break;
        }
    }

    /// <summary>Describes a configuration value that is not of its setting's type.</summary>
    /// <param name="path">The setting's full configuration path.</param>
    /// <param name="typeName">The type's full name, as the configuration binder writes it.</param>
    /// <param name="configuration">The configuration, to quote the value; optional.</param>
    /// <returns>The sentence.</returns>
    public static string DescribeConversion(string path, string typeName, IConfiguration? configuration)
    {
        var value = configuration?[path];
        var quoted = value is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" (was '{value}')");
        return $"{path} must be {Expected(typeName)}{quoted}.";
    }

    private static string Expected(string typeName)
    {
        var type = Type.GetType(typeName) ?? AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType(typeName, throwOnError: false))
            .FirstOrDefault(t => t is not null);
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "a " + typeName,
            { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(type)),
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(TimeSpan) => "a duration such as 00:00:30 (hh:mm:ss) or 1.00:00:00 (one day)",
            _ when type == typeof(Uri) => "an absolute URI",
            _ => "a " + type.Name,
        };
    }

    [GeneratedRegex(@"at '(?<path>[^']+)' to type '(?<type>[^']+)'", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ConversionFailure();
}
