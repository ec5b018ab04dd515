using System.Collections;
using System.Reflection;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using Microsoft.Extensions.Configuration;

namespace Box.K8sEventReporting.Hosting;

/// <summary>A subsection of the library's configuration and the options type it binds to (companion packages add theirs).</summary>
/// <param name="Name">The subsection's name, for example <c>Admission</c>.</param>
/// <param name="OptionsType">The options class it binds to.</param>
internal sealed record LibrarySection(string Name, Type OptionsType);

/// <summary>
/// Finds the keys under the library's section that bind to nothing (a misspelled section or setting), each with the closest
/// valid key, so that <c>--K8sEventReporting:Controler:Workers=4</c> is named at start instead of silently ignored.
/// </summary>
internal static class UnknownSettings
{
    /// <summary>The core's own subsections.</summary>
    public static readonly LibrarySection[] Core =
    [
        new(ControllerOptions.SectionName, typeof(ControllerOptions)),
        new(LeaderElectionOptions.SectionName, typeof(LeaderElectionOptions)),
        new(EventReporterOptions.SectionName, typeof(EventReporterOptions)),
        new(HealthProbeOptions.SectionName, typeof(HealthProbeOptions)),
        new(CertificateOptions.SectionName, typeof(CertificateOptions)),
        new("Watcher", typeof(CustomResourceWatcherOptions)),
    ];

    /// <summary>Every key of <paramref name="section"/> that binds to nothing, with its value and the closest valid key.</summary>
    public static IEnumerable<(string Key, string? Value, string Closest)> Find(IConfiguration section, IEnumerable<LibrarySection> sections)
    {
        var known = sections.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().OptionsType, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (known.TryGetValue(child.Key, out var type))
            {
                foreach (var unknown in Walk(child, type))
                {
                    yield return unknown;
                }
            }
            else
            {
                yield return (child.Path, child.Value, Sibling(child.Path, Closest(child.Key, known.Keys)));
            }
        }
    }

    private static IEnumerable<(string Key, string? Value, string Closest)> Walk(IConfigurationSection section, Type type)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(static p => p.GetIndexParameters().Length == 0 && (p.CanWrite || IsComplex(p.PropertyType) || IsCollection(p.PropertyType)))
            .ToDictionary(static p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                yield return (child.Path, child.Value, Sibling(child.Path, Closest(child.Key, properties.Keys)));
            }
            else if (IsComplex(property.PropertyType))
            {
                foreach (var unknown in Walk(child, property.PropertyType))
                {
                    yield return unknown;
                }
            }
        }
    }

    // A class of settings (not a value, not a list or map, whose keys are the user's).
    private static bool IsComplex(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && !IsCollection(type);

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static string Sibling(string path, string name)
    {
        var colon = path.LastIndexOf(':');
        return colon < 0 ? name : path[..(colon + 1)] + name;
    }

    private static string Closest(string key, IEnumerable<string> candidates) =>
        candidates.OrderBy(c => Distance(key.ToUpperInvariant(), c.ToUpperInvariant())).ThenBy(c => c, StringComparer.Ordinal).FirstOrDefault() ?? string.Empty;

    // Levenshtein distance: what a typo (a letter missing, added or changed) costs.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
