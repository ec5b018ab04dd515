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
    /// <remarks>The real server sends one about a minute after the watch starts and again just before its timeout; this server sends them at this interval and once when the timeout ends the watch. As on the real server, a bookmark is sent only when the type has changed since the watch's starting resourceVersion.</remarks>
    /// <value>1 second.</value>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(1);

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

    /// <summary>Gets or sets how many requests <see cref="InProcessApiServer.Requests"/> keeps (oldest dropped first).</summary>
    /// <value>100,000.</value>
    public int MaxRecordedRequests { get; set; } = 100_000;
}
