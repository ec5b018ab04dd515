namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>Short names for the resource on the command line (<c>kubectl get pk</c>): <c>spec.names.shortNames</c>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ShortNamesAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="ShortNamesAttribute"/> class.</summary>
    /// <param name="names">Lowercase short names.</param>
    public ShortNamesAttribute(params string[] names) => Names = names ?? [];

    /// <summary>Gets the short names.</summary>
    public IReadOnlyList<string> Names { get; }
}
