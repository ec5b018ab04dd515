using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.CustomResourceDefinitions;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// An in-process Kubernetes API server on Kestrel (127.0.0.1, a free port; plain HTTP/1.1, or HTTPS with HTTP/2 when
/// <see cref="InProcessApiServerOptions.Https"/> is set) that the real KubernetesClient talks to over HTTP: get, list, watch, create, update, patch and delete of pods, secrets, configmaps, events (core and
/// events.k8s.io), namespaces, leases, deployments, replicasets, CRDs and registered custom resources.
/// </summary>
/// <remarks>
/// A test double: it answers like a Kubernetes 1.26 API server where clients depend on it (one resourceVersion counter,
/// watch resumption and 410 Expired, bookmarks, Status errors) and with 501 or 404 and a clear message where it does not
/// implement something (server-side apply, sendInitialEvents, subresources other than status).
/// See <c>ApiServer/README.md</c>.
/// </remarks>
public sealed partial class InProcessApiServer : IAsyncDisposable
{
    private static readonly TimeSpan PreTimeoutBookmark = TimeSpan.FromSeconds(2);
    private static readonly byte[] AddedPrefix = "{\"type\":\"ADDED\",\"object\":"u8.ToArray();
    private static readonly byte[] ModifiedPrefix = "{\"type\":\"MODIFIED\",\"object\":"u8.ToArray();
    private static readonly byte[] DeletedPrefix = "{\"type\":\"DELETED\",\"object\":"u8.ToArray();
    private readonly WebApplication app;
    private readonly ClusterState cluster;
    private readonly InProcessApiServerOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly ConcurrentQueue<RequestEntry> requests = new();
    private readonly RequestAuthorizer authorizer;
    private readonly ValidatingAdmission admission;
    private readonly CancellationTokenSource stopping = new();
    private readonly X509Certificate2? certificate;
    private Task collector = Task.CompletedTask;
    private int disposed;

    private InProcessApiServer(WebApplication app, InProcessApiServerOptions options, X509Certificate2? certificate)
    {
        this.app = app;
        this.options = options;
        this.certificate = certificate;
        timeProvider = options.TimeProvider ?? TimeProvider.System;
        logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<InProcessApiServer>();
        cluster = new ClusterState(options);
        Faults = new ApiServerFaults(cluster);
        authorizer = new RequestAuthorizer(cluster, options);
        admission = new ValidatingAdmission(cluster, timeProvider, logger);
    }

    /// <summary>Gets the address the server listens on, for example <c>http://127.0.0.1:41234/</c> (<c>https://</c> with <see cref="InProcessApiServerOptions.Https"/>).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Gets the fault injection controls.</summary>
    public ApiServerFaults Faults { get; }

    /// <summary>Gets a snapshot of the requests received so far, oldest first.</summary>
    /// <remarks>A request is recorded when it arrives, so counts include requests still being handled (an open watch,
    /// a delayed request); their <see cref="RecordedRequest.StatusCode"/> is 0 until the response starts.</remarks>
    public IReadOnlyList<RecordedRequest> Requests => requests.Select(r => r.ToRecord()).ToArray();

    /// <summary>Gets the authorization decisions so far, oldest first (empty unless <see cref="InProcessApiServerOptions.EnforceRbac"/> is on).</summary>
    /// <remarks>Bounded like <see cref="Requests"/> by <see cref="InProcessApiServerOptions.MaxRecordedRequests"/>.</remarks>
    public IReadOnlyList<AuthorizationDecision> AuthorizationDecisions => authorizer.Decisions;

    /// <summary>Gets the newest resourceVersion the server has handed out.</summary>
    public long ResourceVersion => cluster.CurrentResourceVersion;

    /// <summary>Starts a server on 127.0.0.1 and a free port.</summary>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    public static async Task<InProcessApiServer> StartAsync(InProcessApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InProcessApiServerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.HistoryLimit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.WatchQueueLimit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.BookmarkInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GarbageCollectionDelay, TimeSpan.Zero);
        var certificate = options.Https ? ServerCertificate.Create() : null;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;

            // Warning texts are user text: sent as UTF-8 bytes, as the real server does (Kestrel refuses non-ASCII otherwise).
            k.ResponseHeaderEncodingSelector = name => string.Equals(name, "Warning", StringComparison.OrdinalIgnoreCase) ? Encoding.UTF8 : null;
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;

            // Watches idle for minutes and tests read them slowly on purpose: no data-rate based disconnects.
            k.Limits.MinResponseDataRate = null;
            k.Limits.MinRequestBodyDataRate = null;
            if (certificate is null)
            {
                k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1);
            }
            else
            {
                // As a real API server: TLS, HTTP/2 chosen by ALPN, HTTP/1.1 for clients that do not offer it.
                k.Limits.Http2.MaxStreamsPerConnection = 250;
                k.Listen(IPAddress.Loopback, 0, l =>
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    l.UseHttps(certificate);
                });
            }
        });
        // The host's own logging stays empty: options.LoggerFactory receives only this server's events (9000-9009),
        // not Kestrel's per-request noise.
        var app = builder.Build();
        var server = new InProcessApiServer(app, options, certificate);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        server.collector = Task.Run(() => server.cluster.RunCollectorAsync(server.stopping.Token), CancellationToken.None);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        Log.ApiServerStarted(server.logger, server.BaseAddress);
        return server;
    }

    /// <summary>Creates a client configuration pointing at this server (no credentials; over HTTPS it trusts the server's certificate through its CA data, as a kubeconfig does).</summary>
    /// <returns>A new configuration.</returns>
    public KubernetesClientConfiguration CreateClientConfiguration() => certificate is null
        ? new() { Host = BaseAddress.ToString() }
        : new() { Host = BaseAddress.ToString(), SslCaCerts = [ServerCertificate.PublicPart(certificate)] };

    /// <summary>Creates a client configuration that authenticates as a service account, with a bearer token this server issued.</summary>
    /// <param name="asServiceAccount">The service account; its ServiceAccount object must exist when requests are made (else 401, as on a real server).</param>
    /// <returns>A new configuration. With <see cref="InProcessApiServerOptions.EnforceRbac"/> its requests are authorized by RBAC.</returns>
    /// <remarks>Against a real cluster, get the same from the TokenRequest API (<c>serviceaccounts/token</c>), which this server also answers.</remarks>
    public KubernetesClientConfiguration CreateClientConfiguration(ServiceAccountIdentity asServiceAccount)
    {
        ArgumentNullException.ThrowIfNull(asServiceAccount);
        return new() { Host = BaseAddress.ToString(), AccessToken = authorizer.IssueToken(asServiceAccount) };
    }

    /// <summary>Creates a KubernetesClient talking to this server.</summary>
    /// <returns>A new client; the caller disposes it.</returns>
    public IKubernetes CreateClient() => new Kubernetes(CreateClientConfiguration());

    /// <summary>Creates a KubernetesClient that authenticates as a service account (see <see cref="CreateClientConfiguration(ServiceAccountIdentity)"/>).</summary>
    /// <param name="asServiceAccount">The service account.</param>
    /// <returns>A new client; the caller disposes it.</returns>
    public IKubernetes CreateClient(ServiceAccountIdentity asServiceAccount) => new Kubernetes(CreateClientConfiguration(asServiceAccount));

    /// <summary>Forgets the recorded authorization decisions.</summary>
    public void ClearAuthorizationDecisions() => authorizer.ClearDecisions();

    /// <summary>Serves a custom resource type, as if its CustomResourceDefinition had been created (idempotent).</summary>
    /// <param name="group">The API group, for example <c>box.com</c>.</param>
    /// <param name="version">The version, for example <c>v1</c>.</param>
    /// <param name="plural">The plural resource name, for example <c>pkis</c>.</param>
    /// <param name="kind">The kind, for example <c>Pki</c>.</param>
    /// <param name="namespaced">Whether objects live in namespaces.</param>
    /// <param name="hasStatusSubresource">Whether <c>/status</c> is a subresource (status then only changes through it).</param>
    /// <remarks>No schema is attached, so objects are not validated beyond metadata; POST a CRD with a schema to get schema checks.</remarks>
    public void RegisterCustomResource(string group, string version, string plural, string kind, bool namespaced = true, bool hasStatusSubresource = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentException.ThrowIfNullOrEmpty(plural);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        cluster.RegisterCustomResource(group, version, plural, kind, namespaced, hasStatusSubresource);
    }

    /// <summary>Serves a custom resource type with its CustomResourceDefinition, as if it had been created (idempotent: a CRD of that name already there is kept).</summary>
    /// <param name="definition">The definition: its schema validates and prunes objects, as far as this server implements schemas (README).</param>
    /// <exception cref="InvalidOperationException">The server refuses the definition, as it would a create.</exception>
    public void RegisterCustomResource(V1CustomResourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        cluster.RegisterCustomResourceDefinition(JsonNode.Parse(KubernetesJson.Serialize(definition))!.AsObject());
    }

    /// <summary>Serves <typeparamref name="TResource"/> with the CustomResourceDefinition generated from the type (<see cref="CustomResourceDefinitionBuilder"/>), idempotent.</summary>
    /// <typeparam name="TResource">A class marked <c>[KubernetesEntity]</c> with a group.</typeparam>
    /// <exception cref="InvalidOperationException">The server refuses the definition, as it would a create.</exception>
    public void RegisterCustomResource<TResource>() => RegisterCustomResource(CustomResourceDefinitionBuilder.Build<TResource>());

    /// <summary>Creates a namespace if it does not exist yet.</summary>
    /// <param name="name">The namespace name.</param>
    public void EnsureNamespace(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        cluster.EnsureNamespace(name);
    }

    /// <summary>Forgets the recorded requests.</summary>
    public void ClearRequests() => requests.Clear();

    /// <summary>Counts recorded requests.</summary>
    /// <param name="verb">A Kubernetes verb (<c>list</c>, <c>watch</c>, ...) or HTTP method; null counts all.</param>
    /// <param name="pathContains">Only paths containing this; null counts all.</param>
    /// <returns>The number of matching requests.</returns>
    public int CountRequests(string? verb = null, string? pathContains = null) =>
        requests.Count(r =>
            (verb is null || string.Equals(r.Verb, verb, StringComparison.OrdinalIgnoreCase) || string.Equals(r.Method, verb, StringComparison.OrdinalIgnoreCase))
            && (pathContains is null || r.Path.Contains(pathContains, StringComparison.Ordinal)));

    /// <summary>Stops the server, ending every watch.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        await collector.ConfigureAwait(false);
        cluster.ForEachWatch(w => cluster.CloseWatch(w));
        Faults.UnfreezeWatches();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await app.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
        certificate?.Dispose();
    }

    private static Dictionary<string, string> ParseQuery(IQueryCollection query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in query)
        {
            result[key] = value.ToString();
        }

        return result;
    }

    private static string VerbOf(string method, Route? route, Dictionary<string, string> query)
    {
        if (route?.Resource is null)
        {
            return method.ToLowerInvariant();
        }

        var watch = query.TryGetValue("watch", out var w) && (w == "true" || w == "1");
        return (method, route.Name is null) switch
        {
            ("GET", true) => watch ? "watch" : "list",
            ("POST", true) => "create",
            ("DELETE", true) => "deletecollection",
            ("GET", false) => watch ? "watch" : "get",
            ("PUT", false) => "update",
            ("PATCH", false) => "patch",
            ("DELETE", false) => "delete",
            _ => method.ToLowerInvariant(),
        };
    }

    private Route? ParseRoute(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        ArraySegment<string> rest;
        if (segments.Length >= 2 && segments[0] == "api" && segments[1] == "v1")
        {
            (group, version, rest) = (string.Empty, "v1", new ArraySegment<string>(segments, 2, segments.Length - 2));
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], new ArraySegment<string>(segments, 3, segments.Length - 3));
        }
        else
        {
            return null;
        }

        if (rest.Count == 0)
        {
            return new Route(group, version, null, null, null, null);
        }

        string plural;
        string? ns = null, name = null, sub = null;
        if (rest[0] == "namespaces" && rest.Count >= 3 && !(group.Length == 0 && rest.Count == 3 && rest[2] is "status" or "finalize"))
        {
            if (rest.Count > 5)
            {
                return null;
            }

            ns = rest[1];
            plural = rest[2];
            name = rest.Count > 3 ? rest[3] : null;
            sub = rest.Count > 4 ? rest[4] : null;
        }
        else
        {
            if (rest.Count > 3)
            {
                return null;
            }

            plural = rest[0];
            name = rest.Count > 1 ? rest[1] : null;
            sub = rest.Count > 2 ? rest[2] : null;
        }

        var resource = cluster.Find(group, version, plural);
        if (resource is null || (ns is not null && !resource.Namespaced) || (ns is null && name is not null && resource.Namespaced))
        {
            return null;
        }

        return new Route(group, version, resource, ns, name, sub);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var method = request.Method;
        var path = request.Path.Value ?? "/";
        var queryString = request.QueryString.Value ?? string.Empty;
        var query = ParseQuery(request.Query);
        var route = ParseRoute(path);
        var verb = VerbOf(method, route, query);
        var entry = new RequestEntry(method, verb, path, queryString, request.Protocol);
        requests.Enqueue(entry);
        while (requests.Count > options.MaxRecordedRequests && requests.TryDequeue(out _))
        {
        }

        context.Response.OnStarting(() =>
        {
            entry.Answered(context.Response.StatusCode);
            Log.RequestAnswered(logger, method, path, queryString, context.Response.StatusCode);
            return Task.CompletedTask;
        });

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping.Token);
        var cancellationToken = linked.Token;
        try
        {
            if (authorizer.Enabled)
            {
                var (user, refusal) = authorizer.Authenticate(request.Headers.Authorization.ToString());
                var attributes = user is null ? null : RequestAttributes.Parse(user, method, path, query);
                refusal ??= authorizer.Authorize(attributes!);
                if (refusal is not null)
                {
                    await WriteAsync(context, refusal, cancellationToken).ConfigureAwait(false);
                    return;
                }

                context.Items[typeof(RequestAttributes)] = attributes;
            }

            var delay = Faults.DelayFor(method, verb, path);
            if (delay > TimeSpan.Zero)
            {
                Log.FaultInjected(logger, "Delay", method, path);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            }

            if (Faults.TakeFailure(method, verb, path) is { } failure)
            {
                Log.FaultInjected(logger, "FailNext", method, path);
                JsonObject? details = null;
                if (failure.RetryAfter is { } retry)
                {
                    details = new JsonObject { ["retryAfterSeconds"] = (int)Math.Ceiling(retry.TotalSeconds) };
                }

                var response = Statuses.Build(failure.StatusCode, Statuses.ReasonFor(failure.StatusCode), $"injected fault: the in-process API server fails this {verb} with {failure.StatusCode}", details);
                if (failure.RetryAfter is { } r)
                {
                    response.WithHeader("Retry-After", ((int)Math.Ceiling(r.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
                }

                await WriteAsync(context, response, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (route is null)
            {
                await WriteAsync(context, SpecialEndpoint(path) ?? ApiResponse.PageNotFound(), cancellationToken).ConfigureAwait(false);
                return;
            }

            if (route.Resource is null)
            {
                await WriteAsync(context, Discovery(route.Group, route.Version), cancellationToken).ConfigureAwait(false);
                return;
            }

            if (verb == "watch")
            {
                await WatchAsync(context, route, query, cancellationToken).ConfigureAwait(false);
                return;
            }

            var answer = await DispatchAsync(request, route, verb, query, cancellationToken).ConfigureAwait(false);
            await WriteAsync(context, answer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away or the server is stopping.
        }
        catch (IOException)
        {
            // The client closed the connection mid-response.
        }
#pragma warning disable CA1031 // A test server must answer 500, never crash the host.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.RequestFailed(logger, ex, method, path);
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, Statuses.InternalError("in-process API server error: " + ex.Message), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task<ApiResponse> DispatchAsync(HttpRequest request, Route route, string verb, Dictionary<string, string> query, CancellationToken cancellationToken)
    {
        var resource = route.Resource!;
        if (route.Subresource == "token" && resource.Group.Length == 0 && resource.Plural == "serviceaccounts" && request.Method == "POST")
        {
            return authorizer.TokenRequest(route.Namespace!, route.Name!, await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false));
        }

        if (route.Subresource is not null)
        {
            if (route.Subresource != "status")
            {
                return Statuses.NotImplemented($"the subresource \"{route.Subresource}\" of {resource.QualifiedResource} is not implemented by the in-process API server");
            }

            if (!resource.HasStatus)
            {
                return ApiResponse.PageNotFound();
            }

            if (verb is not ("get" or "update" or "patch"))
            {
                return Statuses.MethodNotAllowed($"the server does not allow this method on the requested resource ({verb} {resource.QualifiedResource}/status)");
            }
        }

        if (query.ContainsKey("dryRun") && verb is "delete" or "deletecollection")
        {
            return Statuses.NotImplemented("dryRun of a delete is not implemented by the in-process API server; the request was not applied");
        }

        if (verb is "create" or "update" or "patch" && CheckDryRun(verb, query) is { } badDryRun)
        {
            return badDryRun;
        }

        switch (verb)
        {
            case "list":
                return await cluster.ListAsync(resource, route.Namespace, query, cancellationToken).ConfigureAwait(false);
            case "get":
                return cluster.Get(resource, route.Namespace, route.Name!);
            case "deletecollection":
                return cluster.DeleteCollection(resource, route.Namespace, query);
            case "delete":
                {
                    var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
                    JsonObject? deleteOptions = null;
                    if (body.Length > 0)
                    {
                        try
                        {
                            deleteOptions = JsonNode.Parse(body) as JsonObject;
                        }
                        catch (JsonException ex)
                        {
                            return Statuses.BadRequest("error decoding DeleteOptions: " + ex.Message);
                        }
                    }

                    return cluster.Delete(resource, route.Namespace, route.Name!, deleteOptions, query);
                }

            case "create" or "update":
                {
                    var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
                    JsonObject? obj;
                    try
                    {
                        obj = JsonNode.Parse(body) as JsonObject;
                    }
                    catch (JsonException ex)
                    {
                        return Statuses.BadRequest($"{resource.Kind} in version \"{resource.Version}\" cannot be handled as a {resource.Kind}: {ex.Message}");
                    }

                    if (obj is null)
                    {
                        return Statuses.BadRequest($"{resource.Kind} in version \"{resource.Version}\" cannot be handled as a {resource.Kind}: the body is not a JSON object");
                    }

                    if (MicroTimeFields.FindDecodeError(resource, obj) is { } decodeError)
                    {
                        return Statuses.BadRequest($"{resource.Kind} in version \"{resource.Version}\" cannot be handled as a {resource.Kind}: {decodeError}");
                    }

                    if (request.HttpContext.Items[typeof(RequestAttributes)] is RequestAttributes attributes
                        && authorizer.AdmitOwnerReferences(attributes, resource, obj) is { } refused)
                    {
                        return refused;
                    }

                    return await WriteAsync(request, route, verb, query, obj, null, cancellationToken).ConfigureAwait(false);
                }

            case "patch":
                {
                    var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
                    return await WriteAsync(request, route, verb, query, null, body, cancellationToken).ConfigureAwait(false);
                }

            default:
                return Statuses.MethodNotAllowed($"the server does not allow this method on the requested resource ({request.Method} {request.Path})");
        }
    }

    private async Task WatchAsync(HttpContext context, Route route, Dictionary<string, string> query, CancellationToken cancellationToken)
    {
        var resource = route.Resource!;
        if (route.Name is not null)
        {
            // A watch of one object is a watch with a metadata.name field selector.
            var selector = "metadata.name=" + route.Name;
            var q = new Dictionary<string, string>(query, StringComparer.Ordinal)
            {
                ["fieldSelector"] = query.TryGetValue("fieldSelector", out var fs) && fs.Length > 0 ? fs + "," + selector : selector,
            };
            query = q;
        }

        var (subscription, error) = cluster.OpenWatch(resource, route.Namespace, query);
        if (error is not null)
        {
            await WriteAsync(context, error, cancellationToken).ConfigureAwait(false);
            return;
        }

        var timeout = options.DefaultWatchTimeout;
        if (query.TryGetValue("timeoutSeconds", out var ts) && int.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout = TimeSpan.FromSeconds(seconds);
        }

        var bookmarks = query.TryGetValue("allowWatchBookmarks", out var b) && b == "true";
        var startVersion = query.GetValueOrDefault("resourceVersion") ?? string.Empty;
        Log.WatchOpened(logger, resource.QualifiedResource, startVersion);
        // Timers exist before the headers go out, so a test that advances a fake clock after seeing them is not racing.
        using var timeoutCts = new CancellationTokenSource(timeout, timeProvider);
        using var readCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token, subscription!.Closed);
        // As the real watch cache: a BOOKMARK every interval (a minute) and one 2 s before the watch's deadline
        // (transcripts 03 and 18); with a shorter timeout, one as the deadline ends the stream.
        using var timer = bookmarks ? timeProvider.CreateTimer(_ => cluster.EnqueueBookmark(subscription), null, options.BookmarkInterval, options.BookmarkInterval) : null;
        var beforeDeadline = timeout - PreTimeoutBookmark;
        using var lastTimer = bookmarks && beforeDeadline > TimeSpan.Zero ? timeProvider.CreateTimer(_ => cluster.EnqueueBookmark(subscription), null, beforeDeadline, Timeout.InfiniteTimeSpan) : null;
        using var writeCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, subscription.Closed);
        var response = context.Response;
        var reason = "closed by the server";
        try
        {
            response.StatusCode = 200;
            response.ContentType = "application/json";
            response.Headers.CacheControl = "no-cache, private";
            await response.StartAsync(cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                bool more;
                try
                {
                    more = await subscription.Reader.WaitToReadAsync(readCts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    reason = "timeout";
                    await Faults.WaitWhileFrozenAsync(writeCts.Token).ConfigureAwait(false);
                    if (bookmarks && beforeDeadline <= TimeSpan.Zero)
                    {
                        cluster.EnqueueBookmark(subscription);
                    }

                    await DrainAsync(response.Body, subscription, resource, cancellationToken).ConfigureAwait(false);

                    break;
                }
                catch (OperationCanceledException) when (subscription.Closed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    more = true;
                }

                if (!more)
                {
                    break;
                }

                await Faults.WaitWhileFrozenAsync(writeCts.Token).ConfigureAwait(false);
                if (await DrainAsync(response.Body, subscription, resource, cancellationToken).ConfigureAwait(false))
                {
                    reason = "error sent";
                    break;
                }

                if (subscription.Closed.IsCancellationRequested && subscription.Reader.Completion.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (subscription.Closed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Closed while frozen: end the stream without delivering.
        }
        finally
        {
            cluster.CloseWatch(subscription);
            if (subscription.Overflowed)
            {
                Log.SlowWatchClosed(logger, resource.QualifiedResource, subscription.QueueLimit);
            }

            Log.WatchClosed(logger, resource.QualifiedResource, reason);
        }
    }

    /// <summary>Writes every queued line; returns true when an ERROR was written (the stream must end).</summary>
    private static async Task<bool> DrainAsync(Stream body, WatchSubscription subscription, ApiResource resource, CancellationToken cancellationToken)
    {
        var wrote = false;
        while (subscription.Reader.TryRead(out var item))
        {
            wrote = true;
            switch (item.Kind)
            {
                case WatchItemKind.Event:
                    await body.WriteAsync(EventLine(item.Type!, ClusterState.View(resource, item.Object!)), cancellationToken).ConfigureAwait(false);
                    break;
                case WatchItemKind.Bookmark:
                    var bookmark = $"{{\"type\":\"BOOKMARK\",\"object\":{{\"apiVersion\":\"{resource.GroupVersion}\",\"kind\":\"{resource.Kind}\",\"metadata\":{{\"resourceVersion\":\"{item.ResourceVersion.ToString(CultureInfo.InvariantCulture)}\"}}}}}}\n";
                    await body.WriteAsync(Encoding.UTF8.GetBytes(bookmark), cancellationToken).ConfigureAwait(false);
                    break;
                case WatchItemKind.Error:
                    await body.WriteAsync("{\"type\":\"ERROR\",\"object\":"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                    await body.WriteAsync(item.Raw!, cancellationToken).ConfigureAwait(false);
                    await body.WriteAsync("}\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                    await body.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return true;
                default:
                    await body.WriteAsync(item.Raw!, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        if (wrote)
        {
            await body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private static byte[] EventLine(string type, byte[] json)
    {
        // {"type":"<type>","object":<json>}\n in one buffer: one write per event.
        var prefix = type switch
        {
            "ADDED" => AddedPrefix,
            "MODIFIED" => ModifiedPrefix,
            _ => DeletedPrefix,
        };
        var line = new byte[prefix.Length + json.Length + 2];
        prefix.CopyTo(line, 0);
        json.CopyTo(line, prefix.Length);
        line[^2] = (byte)'}';
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>The managedFields manager: the fieldManager parameter, else the User-Agent up to its first '/' (like the real server).</summary>
    private static string Manager(HttpRequest request, Dictionary<string, string> query)
    {
        if (query.TryGetValue("fieldManager", out var fieldManager) && fieldManager.Length > 0)
        {
            return fieldManager;
        }

        var agent = request.Headers.UserAgent.ToString();
        var slash = agent.IndexOf('/', StringComparison.Ordinal);
        agent = slash >= 0 ? agent[..slash] : agent;
        return agent.Length > 0 ? agent : "unknown";
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static async Task WriteAsync(HttpContext context, ApiResponse answer, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = answer.StatusCode;
        response.ContentType = answer.ContentType;
        response.Headers.CacheControl = "no-cache, private";
        if (answer.Headers is not null)
        {
            foreach (var (name, value) in answer.Headers)
            {
                response.Headers.Append(name, value);
            }
        }

        response.ContentLength = answer.Body.Length;
        await response.Body.WriteAsync(answer.Body, cancellationToken).ConfigureAwait(false);
    }

    private static ApiResponse? SpecialEndpoint(string path) => path switch
    {
        "/version" or "/version/" => ApiResponse.Json(200, Encoding.UTF8.GetBytes("{\"major\":\"1\",\"minor\":\"26\",\"gitVersion\":\"v1.26.4-inprocess\",\"platform\":\"dotnet\"}")),
        "/healthz" or "/readyz" or "/livez" => new ApiResponse(200, "ok"u8.ToArray(), "text/plain; charset=utf-8"),
        "/api" or "/api/" => ApiResponse.Json(200, Encoding.UTF8.GetBytes("{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}")),
        _ => null,
    };

    private ApiResponse Discovery(string group, string version)
    {
        var list = new JsonArray();
        foreach (var r in cluster.Resources.Where(r => r.Group == group && r.Version == version).OrderBy(r => r.Plural, StringComparer.Ordinal))
        {
            list.Add(new JsonObject
            {
                ["name"] = r.Plural,
                ["singularName"] = string.Empty,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = new JsonArray("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
            });
            if (r.HasStatus)
            {
                list.Add(new JsonObject { ["name"] = r.Plural + "/status", ["singularName"] = string.Empty, ["namespaced"] = r.Namespaced, ["kind"] = r.Kind, ["verbs"] = new JsonArray("get", "patch", "update") });
            }
        }

        if (list.Count == 0)
        {
            return ApiResponse.PageNotFound();
        }

        var gv = group.Length == 0 ? version : group + "/" + version;
        return ApiResponse.Json(200, Json.Serialize(new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = gv, ["resources"] = list }));
    }

    /// <summary>A request as recorded on arrival; the status code is filled in when the response starts.</summary>
    private sealed class RequestEntry(string method, string verb, string path, string query, string protocol)
    {
        private int statusCode;

        public string Method => method;

        public string Verb => verb;

        public string Path => path;

        public void Answered(int code) => Volatile.Write(ref statusCode, code);

        public RecordedRequest ToRecord() => new(method, verb, path, query, Volatile.Read(ref statusCode)) { Protocol = protocol };
    }

    private sealed record Route(string Group, string Version, ApiResource? Resource, string? Namespace, string? Name, string? Subresource);
}
