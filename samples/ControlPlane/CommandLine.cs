namespace ControlPlane;

/// <summary>The sample's own flags, and the mistakes in a command line that the configuration system would silently ignore.</summary>
internal static class CommandLine
{
    /// <summary>The sample's flags; every other argument is a setting.</summary>
    public static readonly string[] Flags = ["--embedded", "--verbose"];

    // Switches the host itself reads (Host.CreateApplicationBuilder maps them to its settings).
    private static readonly string[] HostSwitches = ["--environment", "--contentRoot", "--applicationName"];

    /// <summary>Returns what is wrong with <paramref name="args"/> (an unknown flag, a setting without a value), or <see langword="null"/>.</summary>
    public static string? Problem(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || Flags.Contains(arg) || arg.Contains('=', StringComparison.Ordinal))
            {
                continue;
            }

            var next = i + 1 < args.Length ? args[i + 1] : null;
            var takesValue = arg.Contains(':', StringComparison.Ordinal) || HostSwitches.Contains(arg, StringComparer.OrdinalIgnoreCase);
            if (!takesValue)
            {
                return $"unknown option '{arg}'";
            }

            if (next is null || next.StartsWith('-'))
            {
                return $"the setting '{arg}' has no value: write {arg}=value";
            }

            i++;   // "--Setting value": the next argument is its value
        }

        return null;
    }
}
