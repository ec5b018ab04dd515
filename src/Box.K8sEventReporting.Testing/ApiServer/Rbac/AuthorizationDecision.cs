using k8s.Models;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// One authorization decision of an <see cref="InProcessApiServer"/> that enforces RBAC
/// (<see cref="InProcessApiServerOptions.EnforceRbac"/>): who asked for what, whether it was allowed, and by which rule.
/// </summary>
/// <remarks>
/// Admission checks are decisions too: with <see cref="InProcessApiServerOptions.OwnerReferencesPermissionEnforcement"/>,
/// setting <c>blockOwnerDeletion</c> on an ownerReference is authorized as <c>update</c> of the owner's <c>finalizers</c> subresource.
/// </remarks>
public sealed record AuthorizationDecision
{
    /// <summary>Gets the user name, for example <c>system:serviceaccount:controlplane:controlplane</c>.</summary>
    public required string User { get; init; }

    /// <summary>Gets the verb: <c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, <c>update</c>, <c>patch</c>, <c>delete</c>, <c>deletecollection</c>, or the lower-case HTTP method of a non-resource request.</summary>
    public required string Verb { get; init; }

    /// <summary>Gets the API group (empty for the core group and for non-resource requests).</summary>
    public required string ApiGroup { get; init; }

    /// <summary>Gets the resource, for example <c>pkis</c> (empty for a non-resource request).</summary>
    public required string Resource { get; init; }

    /// <summary>Gets the subresource, for example <c>status</c>, or empty.</summary>
    public required string Subresource { get; init; }

    /// <summary>Gets the namespace, or empty at the cluster scope.</summary>
    public required string Namespace { get; init; }

    /// <summary>Gets the object's name, or empty (create, list and watch without a <c>metadata.name</c> field selector).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the request path.</summary>
    public required string Path { get; init; }

    /// <summary>Gets a value indicating whether the request was allowed.</summary>
    public required bool Allowed { get; init; }

    /// <summary>Gets why, worded like the real authorizer's reason, for example
    /// <c>RBAC: allowed by ClusterRoleBinding "box-controlplane" of ClusterRole "box-controlplane" to ServiceAccount "controlplane/controlplane"</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the rule that allowed the request, or <see langword="null"/> when it was denied or allowed without a rule (the admin identity).</summary>
    public V1PolicyRule? Rule { get; init; }

    /// <summary>Gets <c>resource/subresource</c>, or the resource alone, as RBAC rules name it.</summary>
    public string ResourceAndSubresource => Subresource.Length == 0 ? Resource : Resource + "/" + Subresource;

    /// <inheritdoc />
    public override string ToString()
    {
        var where = Namespace.Length == 0 ? "cluster-wide" : "in " + Namespace;
        var what = Resource.Length == 0 ? Path : $"{ResourceAndSubresource}{(Name.Length == 0 ? string.Empty : " \"" + Name + "\"")} (group \"{ApiGroup}\") {where}";
        return $"{(Allowed ? "allowed" : "DENIED")}: {User} {Verb} {what}";
    }
}
