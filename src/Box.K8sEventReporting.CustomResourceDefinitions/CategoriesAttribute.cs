namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>The groups of resources this one belongs to (<c>kubectl get all</c> lists those in <c>all</c>): <c>spec.names.categories</c>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CategoriesAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="CategoriesAttribute"/> class.</summary>
    /// <param name="names">Lowercase category names.</param>
    public CategoriesAttribute(params string[] names) => Names = names ?? [];

    /// <summary>Gets the category names.</summary>
    public IReadOnlyList<string> Names { get; }
}
