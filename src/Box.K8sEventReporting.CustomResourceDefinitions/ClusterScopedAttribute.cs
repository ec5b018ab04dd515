namespace Box.K8sEventReporting.CustomResourceDefinitions;

/// <summary>The resource is cluster-scoped (<c>scope: Cluster</c>); without this attribute it lives in namespaces.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ClusterScopedAttribute : Attribute
{
}
