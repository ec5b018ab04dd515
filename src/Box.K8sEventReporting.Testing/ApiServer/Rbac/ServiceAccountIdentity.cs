namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// A service account whose identity a client can take (see <see cref="InProcessApiServer.CreateClientConfiguration(ServiceAccountIdentity)"/>):
/// the user <c>system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;</c> in the groups <c>system:serviceaccounts</c>,
/// <c>system:serviceaccounts:&lt;namespace&gt;</c> and <c>system:authenticated</c>, as a real API server authenticates its token.
/// </summary>
public sealed record ServiceAccountIdentity
{
    /// <summary>Initializes a new instance of the <see cref="ServiceAccountIdentity"/> class.</summary>
    /// <param name="namespace">The service account's namespace, for example <c>controlplane</c>.</param>
    /// <param name="name">The service account's name, for example <c>controlplane</c>.</param>
    /// <exception cref="ArgumentException">A value is null or empty.</exception>
    public ServiceAccountIdentity(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Namespace = @namespace;
        Name = name;
    }

    /// <summary>Gets the service account's namespace.</summary>
    public string Namespace { get; }

    /// <summary>Gets the service account's name.</summary>
    public string Name { get; }

    /// <summary>Gets the user name RBAC sees: <c>system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;</c>.</summary>
    public string UserName => $"system:serviceaccount:{Namespace}:{Name}";

    /// <summary>Gets the groups RBAC sees.</summary>
    public IReadOnlyList<string> Groups => ["system:serviceaccounts", "system:serviceaccounts:" + Namespace, "system:authenticated"];
}
