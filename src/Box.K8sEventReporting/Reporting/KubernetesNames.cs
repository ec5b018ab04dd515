namespace Box.K8sEventReporting.Reporting;

/// <summary>Checks of the names the API server validates on Events, done before a write can be rejected.</summary>
public static class KubernetesNames
{
    /// <summary>The longest reason, action and reporting instance the API server accepts.</summary>
    public const int MaxReasonLength = 128;

    /// <summary>The longest name part of a qualified name.</summary>
    public const int MaxNamePartLength = 63;

    /// <summary>The longest DNS subdomain (object names, qualified name prefixes).</summary>
    public const int MaxSubdomainLength = 253;

    /// <summary>Whether <paramref name="reason"/> is UpperCamelCase ASCII letters and digits, at most 128 characters.</summary>
    public static bool IsValidReason(string? reason)
    {
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReasonLength || !char.IsAsciiLetterUpper(reason[0]))
        {
            return false;
        }

        foreach (var c in reason)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>What <see cref="IsValidReason"/> allows, for messages.</summary>
    public const string ReasonRule = "UpperCamelCase ASCII letters and digits, a capital letter first, 1-128 characters, e.g. 'InvalidServiceName'";

    /// <summary>Returns <paramref name="reason"/> if it is valid, or throws an <see cref="ArgumentException"/> saying what is allowed.</summary>
    /// <param name="reason">The reason to check.</param>
    /// <param name="paramName">The parameter or property that carries it.</param>
    /// <returns><paramref name="reason"/>.</returns>
    public static string RequireValidReason(string reason, string paramName) =>
        IsValidReason(reason)
            ? reason
            : throw new ArgumentException($"Event reason must be {ReasonRule} (was '{reason}').", paramName);

    /// <summary>
    /// Turns an application name into a valid name part of a qualified name (lowercase, <c>[a-z0-9-_.]</c>, alphanumeric at
    /// both ends, at most 63 characters), or <see langword="null"/> when nothing usable is left.
    /// </summary>
    /// <param name="name">The application name, for example <c>IHostEnvironment.ApplicationName</c>.</param>
    /// <returns>The component name, or <see langword="null"/>.</returns>
    public static string? ToComponentName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        var chars = name.ToLowerInvariant().Select(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray();
        var component = new string(chars);
        component = component.Length > MaxNamePartLength ? component[..MaxNamePartLength] : component;
        component = component.Trim('-', '_', '.');
        return component.Length == 0 ? null : component;
    }

    /// <summary>Whether <paramref name="value"/> is a Kubernetes qualified name: <c>[prefix/]name</c>.</summary>
    public static bool IsQualifiedName(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var name = value;
        if (slash >= 0)
        {
            var prefix = value[..slash];
            name = value[(slash + 1)..];
            if (!IsDnsSubdomain(prefix))
            {
                return false;
            }
        }

        if (name.Length is 0 or > MaxNamePartLength || !char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> is a lowercase RFC 1123 DNS subdomain.</summary>
    public static bool IsDnsSubdomain(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxSubdomainLength)
        {
            return false;
        }

        foreach (var label in value.Split('.'))
        {
            if (label.Length is 0 or > 63 || !IsLowerAlnum(label[0]) || !IsLowerAlnum(label[^1]))
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!IsLowerAlnum(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsLowerAlnum(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);

    /// <summary>Whether <paramref name="value"/> is a non-empty label value: a qualified name without a prefix.</summary>
    public static bool IsLabelValue(string? value) =>
        value is not null && !value.Contains('/', StringComparison.Ordinal) && IsQualifiedName(value);
}
