using System.Globalization;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// Authentication (no credentials: the admin; a bearer token this server issued: its service account) and, when
/// <see cref="InProcessApiServerOptions.EnforceRbac"/> is on, RBAC authorization with every decision recorded, and the
/// OwnerReferencesPermissionEnforcement admission check. Refusals are worded as the real API server words them
/// (transcripts 20a, 20b, 20c).
/// </summary>
internal sealed class RequestAuthorizer(ClusterState cluster, InProcessApiServerOptions options)
{
    private const string TokenPrefix = "inprocess-sa.";
    private readonly ConcurrentDictionary<string, ServiceAccountIdentity> tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<AuthorizationDecision> decisions = new();
    private readonly RbacPolicy policy = new(cluster);

    public bool Enabled => options.EnforceRbac;

    public IReadOnlyList<AuthorizationDecision> Decisions => decisions.ToArray();

    public void ClearDecisions() => decisions.Clear();

    public string IssueToken(ServiceAccountIdentity identity)
    {
        var token = TokenPrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        tokens[token] = identity;
        return token;
    }

    /// <summary>The TokenRequest API (<c>POST .../serviceaccounts/{name}/token</c>): a token for an existing service account.</summary>
    public ApiResponse TokenRequest(string ns, string name, byte[] body)
    {
        var serviceAccounts = cluster.Find(string.Empty, "v1", "serviceaccounts")!;
        if (cluster.Get(serviceAccounts, ns, name).StatusCode != 200)
        {
            return Statuses.NotFound(serviceAccounts, name);
        }

        JsonObject? tokenRequest;
        try
        {
            tokenRequest = body.Length == 0 ? new JsonObject() : JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException ex)
        {
            return Statuses.BadRequest("TokenRequest in version \"v1\" cannot be handled as a TokenRequest: " + ex.Message);
        }

        var spec = tokenRequest?["spec"] as JsonObject ?? new JsonObject();
        var seconds = spec["expirationSeconds"] is JsonValue v && v.TryGetValue<long>(out var s) ? s : 3600;
        spec["expirationSeconds"] = seconds;
        spec["audiences"] ??= new JsonArray("https://kubernetes.default.svc.cluster.local");
        var response = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = null },
            ["spec"] = spec.DeepClone(),
            ["status"] = new JsonObject
            {
                ["token"] = IssueToken(new ServiceAccountIdentity(ns, name)),
                ["expirationTimestamp"] = (options.TimeProvider ?? TimeProvider.System).GetUtcNow().AddSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
        };
        return ApiResponse.Json(201, Json.Serialize(response));
    }

    /// <summary>Who sent the request, or the 401 the real server answers for a token it does not know (transcript 20a).</summary>
    public (UserInfo? User, ApiResponse? Refusal) Authenticate(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return (UserInfo.Admin, null);
        }

        const string Bearer = "Bearer ";
        if (string.Equals(authorization, Bearer + InProcessApiServer.AdminToken, StringComparison.Ordinal))
        {
            return (UserInfo.Admin, null);   // the user of the server's own kubeconfig (CreateKubeconfig)
        }

        if (authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            && tokens.TryGetValue(authorization[Bearer.Length..].Trim(), out var identity)
            && ServiceAccountExists(identity))
        {
            return (new UserInfo(identity.UserName, identity.Groups), null);
        }

        return (null, AsRecorded(Statuses.Build(401, "Unauthorized", "Unauthorized")));
    }

    /// <summary>Authorizes and records; the 403 when denied.</summary>
    public ApiResponse? Authorize(RequestAttributes attributes)
    {
        var decision = Record(attributes);
        return decision.Allowed ? null : Forbidden(attributes, ForbiddenMessage(attributes));
    }

    /// <summary>
    /// OwnerReferencesPermissionEnforcement (k8s.io/kubernetes plugin/pkg/admission/gc) for a create or update:
    /// changing ownerReferences of an existing object needs <c>delete</c> on it, and setting <c>blockOwnerDeletion</c>
    /// needs <c>update</c> on the owner's <c>finalizers</c> subresource.
    /// </summary>
    public ApiResponse? AdmitOwnerReferences(RequestAttributes attributes, ApiResource resource, JsonObject updated)
    {
        if (!options.OwnerReferencesPermissionEnforcement)
        {
            return null;
        }

        StoredObject? existing = null;
        if (attributes.Verb == "update")
        {
            lock (cluster.Gate)
            {
                resource.Store.Objects.TryGetValue(resource.Namespaced ? attributes.Namespace + "/" + attributes.Name : attributes.Name, out existing);
            }
        }

        var name = attributes.Name.Length > 0 ? attributes.Name : ObjectMutations.GetString(ObjectMutations.Meta(updated), "name") ?? string.Empty;
        var newRefs = OwnerReferences(updated["metadata"]?["ownerReferences"]);
        var oldRefs = existing is null ? [] : OwnerReferences(existing.Root.TryGetProperty("metadata", out var m) && m.TryGetProperty("ownerReferences", out var o) ? JsonNode.Parse(o.GetRawText()) : null);
        if (newRefs.Count == oldRefs.Count && newRefs.Zip(oldRefs).All(p => p.First.ToJsonString() == p.Second.ToJsonString()))
        {
            return null;
        }

        var target = attributes with { Name = name, Subresource = string.Empty };
        if (existing is not null && !Record(target with { Verb = "delete" }).Allowed)
        {
            return Forbidden(target, "cannot set an ownerRef on a resource you can't delete: , <nil>");
        }

        var alreadyBlocking = oldRefs.Where(Blocks).Select(r => ObjectMutations.GetString(r, "uid")).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in newRefs.Where(r => Blocks(r) && !alreadyBlocking.Contains(ObjectMutations.GetString(r, "uid"))))
        {
            var apiVersion = ObjectMutations.GetString(reference, "apiVersion") ?? string.Empty;
            var kind = ObjectMutations.GetString(reference, "kind") ?? string.Empty;
            var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            var (group, version) = slash < 0 ? (string.Empty, apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
            var owner = cluster.Resources.FirstOrDefault(r => r.Group == group && r.Version == version && r.Kind == kind);
            if (owner is null)
            {
                return Forbidden(target, $"cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion {apiVersion} Kind {kind}: no matches for kind \"{kind}\" in version \"{apiVersion}\"");
            }

            var finalizers = new RequestAttributes(attributes.User, true, "update", group, owner.Plural, "finalizers", attributes.Namespace, ObjectMutations.GetString(reference, "name") ?? string.Empty, attributes.Path);
            if (!Record(finalizers).Allowed)
            {
                return Forbidden(target, "cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>");
            }
        }

        return null;
    }

    private static bool Blocks(JsonObject reference) => reference["blockOwnerDeletion"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static List<JsonObject> OwnerReferences(JsonNode? node) => node is JsonArray a ? [.. a.OfType<JsonObject>()] : [];

    /// <summary>apierrors.NewForbidden: <c>pkis.box.com "x" is forbidden: ...</c>, details name, group, kind (the resource).</summary>
    private static ApiResponse Forbidden(RequestAttributes a, string detail)
    {
        var qualified = a.ApiGroup.Length == 0 ? a.Resource : a.Resource + "." + a.ApiGroup;
        var message = qualified.Length == 0 ? "forbidden: " + detail
            : a.Name.Length == 0 ? $"{qualified} is forbidden: {detail}"
            : $"{qualified} {JsonSerializer.Serialize(a.Name, Json.Options)} is forbidden: {detail}";
        var details = new JsonObject();
        if (a.Name.Length > 0)
        {
            details["name"] = a.Name;
        }

        if (a.ApiGroup.Length > 0)
        {
            details["group"] = a.ApiGroup;
        }

        if (a.Resource.Length > 0)
        {
            details["kind"] = a.Resource;
        }

        return AsRecorded(Statuses.Build(403, "Forbidden", message, details)).WithHeader("X-Content-Type-Options", "nosniff");
    }

    /// <summary>The real server's encoder ends the body with a newline (transcripts 20a-20c: Content-Length counts it).</summary>
    private static ApiResponse AsRecorded(ApiResponse response) => new(response.StatusCode, [.. response.Body, (byte)'\n']);

    /// <summary>The authorizer's sentence (k8s.io/apiserver endpoints/handlers/responsewriters forbiddenMessage).</summary>
    private static string ForbiddenMessage(RequestAttributes a)
    {
        var user = JsonSerializer.Serialize(a.User.Name, Json.Options);
        if (!a.IsResourceRequest)
        {
            return $"User {user} cannot {a.Verb} path {JsonSerializer.Serialize(a.Path, Json.Options)}";
        }

        var resource = a.Subresource.Length == 0 ? a.Resource : a.Resource + "/" + a.Subresource;
        var scope = a.Namespace.Length > 0 ? $"in the namespace {JsonSerializer.Serialize(a.Namespace, Json.Options)}" : "at the cluster scope";
        return $"User {user} cannot {a.Verb} resource {JsonSerializer.Serialize(resource, Json.Options)} in API group {JsonSerializer.Serialize(a.ApiGroup, Json.Options)} {scope}";
    }

    private AuthorizationDecision Record(RequestAttributes attributes)
    {
        var decision = policy.Authorize(attributes);
        decisions.Enqueue(decision);
        while (decisions.Count > options.MaxRecordedRequests && decisions.TryDequeue(out _))
        {
        }

        return decision;
    }

    private bool ServiceAccountExists(ServiceAccountIdentity identity)
    {
        var store = cluster.Find(string.Empty, "v1", "serviceaccounts")!.Store;
        lock (cluster.Gate)
        {
            return store.Objects.ContainsKey(identity.Namespace + "/" + identity.Name);
        }
    }
}
