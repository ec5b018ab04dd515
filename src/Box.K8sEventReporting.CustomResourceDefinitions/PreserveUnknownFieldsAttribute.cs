namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>
/// The API server keeps fields the schema does not declare here (<c>x-kubernetes-preserve-unknown-fields: true</c>)
/// instead of pruning them. Free-form types (<c>object</c>, <c>JsonElement</c>, <c>JsonNode</c>) and types with a
/// <c>[JsonExtensionData]</c> property get it without this attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Property, Inherited = false)]
public sealed class PreserveUnknownFieldsAttribute : Attribute
{
}
