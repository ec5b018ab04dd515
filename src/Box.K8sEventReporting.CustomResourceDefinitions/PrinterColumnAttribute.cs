namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// A column that <c>kubectl get</c> shows for the resource (<c>additionalPrinterColumns</c>). Columns appear in the order
/// of the attributes; once a type declares one, an <c>Age</c> column is added last unless one of them shows
/// <c>.metadata.creationTimestamp</c>, because the API server drops its default Age column when a CRD lists columns.
/// </summary>
/// <example><code>[PrinterColumn("Ready", ".status.conditions[?(@.type==\"Ready\")].status")]</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PrinterColumnAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="PrinterColumnAttribute"/> class.</summary>
    /// <param name="name">The column header.</param>
    /// <param name="jsonPath">The JSONPath kubectl evaluates on each object, for example <c>.spec.serviceName</c>.</param>
    public PrinterColumnAttribute(string name, string jsonPath)
    {
        Name = name;
        JsonPath = jsonPath;
    }

    /// <summary>Gets the column header.</summary>
    public string Name { get; }

    /// <summary>Gets the JSONPath evaluated on each object.</summary>
    public string JsonPath { get; }

    /// <summary>Gets or sets the column's type; <see cref="PrinterColumnType.String"/> unless set.</summary>
    public PrinterColumnType Type { get; set; }

    /// <summary>Gets or sets the OpenAPI format of the column (for example <c>int64</c>), or <see langword="null"/>.</summary>
    public string? Format { get; set; }

    /// <summary>Gets or sets a human readable description of the column, or <see langword="null"/>.</summary>
    public string? Description { get; set; }

    /// <summary>Gets or sets the priority: 0 (the default) shows the column always, more only with <c>kubectl get -o wide</c>.</summary>
    public int Priority { get; set; }
}
