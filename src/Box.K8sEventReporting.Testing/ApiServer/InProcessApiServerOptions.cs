using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>Settings of an <see cref="InProcessApiServer"/>. Every default is stated; most mirror the real API server.</summary>
public sealed class InProcessApiServerOptions
{
    /// <summary>Gets or sets where the server logs. Quiet when null.</summary>
    /// <value>Null (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Gets or sets the clock for timestamps, bookmarks, watch timeouts and injected delays.</summary>
    /// <value><see cref="TimeProvider.System"/> when null.</value>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Gets or sets how many changes per resource type are kept for watch resumption.</summary>
    /// <remarks>A watch or an exact list from an older resourceVersion answers 410 Expired (the real watch cache keeps at least 100 and up to 75 s).</remarks>
    /// <value>1000.</value>
    public int HistoryLimit { get; set; } = 1000;

    /// <summary>Gets or sets how often a watch with <c>allowWatchBookmarks=true</c> receives a BOOKMARK.</summary>
    /// <remarks>As the real server (transcripts 03 and 18): one every interval and one 2 s before the watch's <c>timeoutSeconds</c>
    /// (or as it ends, when shorter), and only when the type has changed since the watch's starting resourceVersion.
    /// Set a short interval (for example 200 ms) in tests that want bookmarks without waiting a minute.</remarks>
    /// <value>1 minute, like the real server.</value>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how long after a deletion the garbage collector and namespace controller act on it.</summary>
    /// <remarks>As on a real cluster, a DELETE only removes (or marks) its own object; dependents of a deleted owner, the
    /// <c>foregroundDeletion</c> and <c>orphan</c> finalizers and a Terminating namespace's contents are handled by a
    /// background loop this long after each wake-up (measured by <see cref="TimeProvider"/>). Tests wait for the outcome.</remarks>
    /// <value>100 milliseconds (a real cluster's garbage collector took about 0.1 s, transcript 15e).</value>
    public TimeSpan GarbageCollectionDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets how long a watch without <c>timeoutSeconds</c> stays open.</summary>
    /// <value>30 minutes (the real server picks 30 to 60 minutes).</value>
    public TimeSpan DefaultWatchTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Gets or sets how many undelivered lines a watch may queue before the server closes it as too slow.</summary>
    /// <value>100,000.</value>
    public int WatchQueueLimit { get; set; } = 100_000;

    /// <summary>Gets or sets how long a list from a future resourceVersion waits before its 504 (transcript 05e).</summary>
    /// <value>3 seconds, like the real server.</value>
    public TimeSpan TooLargeResourceVersionWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets or sets a value indicating whether lists with <c>resourceVersion=0</c> are answered as the real server's watch cache answers them.</summary>
    /// <remarks>The watch cache ignores <c>limit</c> for <c>resourceVersion=0</c> and returns every item in one page. False pages them, as a server with <c>--watch-cache=false</c> does.</remarks>
    /// <value>True, like the real server.</value>
    public bool ServeListsFromWatchCache { get; set; } = true;

    /// <summary>Gets or sets the namespaces that exist at start.</summary>
    /// <value><c>default</c>, <c>kube-system</c>, <c>kube-public</c>.</value>
    public IList<string> InitialNamespaces { get; set; } = ["default", "kube-system", "kube-public"];

    /// <summary>Gets or sets a value indicating whether creating an object in a missing namespace creates the namespace.</summary>
    /// <value>False: like the real server, the create answers 404 (transcript 09c).</value>
    public bool AutoCreateNamespaces { get; set; }

    /// <summary>Gets or sets a value indicating whether custom resources are checked against their CRD's openAPIV3Schema.</summary>
    /// <remarks>A subset: type, required, properties, items, maxLength, minLength, pattern, enum, minimum, maximum; unknown fields are pruned with a Warning header, or 400 with <c>fieldValidation=Strict</c>.</remarks>
    /// <value>True.</value>
    public bool ValidateCustomResourceSchemas { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether writes record metadata.managedFields (manager from <c>fieldManager</c> or the User-Agent).</summary>
    /// <remarks>Approximate: one Update entry per manager and subresource listing the fields the object has, so objects are as large as on a real server; no ownership transfer.</remarks>
    /// <value>True, like the real server.</value>
    public bool WriteManagedFields { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the server serves HTTPS with HTTP/2 (ALPN, HTTP/1.1 as fallback), as every real cluster does.</summary>
    /// <remarks>The certificate is self-signed, generated at start for 127.0.0.1 and localhost; <see cref="InProcessApiServer.CreateClientConfiguration()"/>
    /// and <see cref="InProcessApiServer.CreateKubeconfig"/> carry it as the cluster's CA, so the client's own TLS and HTTP/2 path is exercised.
    /// The handshake costs a few milliseconds per connection.</remarks>
    /// <value>False: plain HTTP/1.1, the fastest.</value>
    public bool Https { get; set; }

    /// <summary>Gets or sets how many requests <see cref="InProcessApiServer.Requests"/> keeps (oldest dropped first).</summary>
    /// <value>100,000.</value>
    public int MaxRecordedRequests { get; set; } = 100_000;

    /// <summary>Gets or sets a value indicating whether requests are authorized with RBAC, as a real API server does.</summary>
    /// <remarks>
    /// A request without credentials is the admin (group <c>system:masters</c>) and may do anything, so tests that set up
    /// objects keep working. A client from <see cref="InProcessApiServer.CreateClientConfiguration(ServiceAccountIdentity)"/>
    /// is that service account (the ServiceAccount object must exist, else 401) and may do only what the stored Roles,
    /// ClusterRoles, RoleBindings and ClusterRoleBindings (rbac.authorization.k8s.io/v1) grant it; anything else is a
    /// 403 Forbidden worded like the real one. Every decision is in <see cref="InProcessApiServer.AuthorizationDecisions"/>.
    /// </remarks>
    /// <value>False: every request is allowed and nothing is recorded.</value>
    public bool EnforceRbac { get; set; }

    /// <summary>Gets or sets a value indicating whether, with <see cref="EnforceRbac"/>, creates and updates run the OwnerReferencesPermissionEnforcement admission check.</summary>
    /// <remarks>
    /// Setting <c>blockOwnerDeletion</c> on an ownerReference needs <c>update</c> on the owner's <c>finalizers</c>
    /// subresource, and changing an existing object's ownerReferences needs <c>delete</c> on it (as on clusters that enable
    /// the plugin, such as OpenShift). Patches are not checked.
    /// </remarks>
    /// <value>True.</value>
    public bool OwnerReferencesPermissionEnforcement { get; set; } = true;
}
