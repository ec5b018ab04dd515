namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>The type of a printer column, which decides how kubectl prints its values.</summary>
#pragma warning disable CA1720 // The members are named after Kubernetes' column types.
public enum PrinterColumnType
{
    /// <summary><c>string</c>: printed as is.</summary>
    String,

    /// <summary><c>integer</c>.</summary>
    Integer,

    /// <summary><c>number</c>.</summary>
    Number,

    /// <summary><c>boolean</c>.</summary>
    Boolean,

    /// <summary><c>date</c>: printed as an age (<c>5m</c>); a time in the future prints as <c>&lt;invalid&gt;</c>.</summary>
    Date,
}
#pragma warning restore CA1720
