namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// A CEL rule the API server checks on every write (<c>x-kubernetes-validations</c>), for an invariant the schema
/// cannot say alone. On a class or struct, <c>self</c> is the object; on a property, its value.
/// </summary>
/// <example><code>[CelValidation("self.minReplicas &lt;= self.maxReplicas", Message = "minReplicas must not exceed maxReplicas")]</code></example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Property, AllowMultiple = true, Inherited = false)]
public sealed class CelValidationAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="CelValidationAttribute"/> class.</summary>
    /// <param name="rule">The CEL expression; the write is refused when it evaluates to false.</param>
    public CelValidationAttribute(string rule) => Rule = rule;

    /// <summary>Gets the CEL expression.</summary>
    public string Rule { get; }

    /// <summary>Gets or sets the message the API server answers when the rule fails, or <see langword="null"/>.</summary>
    public string? Message { get; set; }

    /// <summary>Gets or sets a CEL expression that computes the message, or <see langword="null"/>.</summary>
    public string? MessageExpression { get; set; }

    /// <summary>Gets or sets the reason of the refusal (<c>FieldValueInvalid</c>, <c>FieldValueForbidden</c>, <c>FieldValueRequired</c>, <c>FieldValueDuplicate</c>), or <see langword="null"/>.</summary>
    public string? Reason { get; set; }

    /// <summary>Gets or sets the field the refusal names, relative to <c>self</c> (for example <c>.maxReplicas</c>), or <see langword="null"/>.</summary>
    public string? FieldPath { get; set; }
}
