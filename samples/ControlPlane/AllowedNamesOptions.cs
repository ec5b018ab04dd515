namespace ControlPlane;

/// <summary>The service names a Pki may ask for, read one per line from <see cref="Path"/>.</summary>
public sealed class AllowedNamesOptions
{
    public const string Section = "ControlPlane";

    /// <summary>The AllowedNames file (one name per line; blank lines and <c>#</c> comments ignored).</summary>
    public string AllowedNamesPath { get; set; } = "allowedNames";

    /// <summary>The names read from the file; reloaded when the file changes.</summary>
    public IReadOnlyList<string> Names { get; set; } = [];
}
