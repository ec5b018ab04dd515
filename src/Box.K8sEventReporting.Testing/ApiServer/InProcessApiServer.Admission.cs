using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>Creates, updates and patches through validating admission webhooks, and dry runs.</summary>
public sealed partial class InProcessApiServer
{
    private const int MaxAdmissionAttempts = 10;

    /// <summary>
    /// Says where a webhook's <c>clientConfig.service</c> is reached, as a cluster's Service network would: a webhook
    /// with this service namespace, name and port is called at <paramref name="endpoint"/> (its scheme, host and port;
    /// the path is the webhook's <c>service.path</c>). TLS still verifies the name <c>&lt;name&gt;.&lt;namespace&gt;.svc</c>
    /// against the webhook's <c>caBundle</c>. A service that is not mapped fails the call (its failurePolicy applies).
    /// </summary>
    /// <param name="namespace">The Service's namespace.</param>
    /// <param name="name">The Service's name.</param>
    /// <param name="port">The Service's port (a webhook's <c>service.port</c>, 443 by default).</param>
    /// <param name="endpoint">Where the webhook listens, for example <c>https://127.0.0.1:5443/</c>.</param>
    public void MapService(string @namespace, string name, int port, Uri endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || endpoint.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("The endpoint must be an absolute https:// URI (webhooks are called over TLS only).", nameof(endpoint));
        }

        admission.MapService(@namespace, name, port, endpoint);
    }

    private static ApiResponse? CheckDryRun(string verb, Dictionary<string, string> query)
    {
        if (!query.TryGetValue("dryRun", out var value) || value == "All")
        {
            return null;
        }

        var kind = verb == "create" ? "CreateOptions" : verb == "patch" ? "PatchOptions" : "UpdateOptions";
        return Statuses.Invalid(kind + ".meta.k8s.io", "meta.k8s.io", kind, string.Empty, [new FieldError("FieldValueNotSupported", "dryRun", $"Unsupported value: []string{{\"{value}\"}}: supported values: \"All\"")]);
    }

    /// <summary>The CreateOptions or UpdateOptions of the request, as the AdmissionReview carries them (a patch's are UpdateOptions).</summary>
    private static JsonObject WriteOptions(string verb, Dictionary<string, string> query)
    {
        var options = new JsonObject { ["kind"] = verb == "create" ? "CreateOptions" : "UpdateOptions", ["apiVersion"] = "meta.k8s.io/v1" };
        if (query.ContainsKey("dryRun"))
        {
            options["dryRun"] = new JsonArray("All");
        }

        if (query.TryGetValue("fieldManager", out var manager) && manager.Length > 0)
        {
            options["fieldManager"] = manager;
        }

        if (query.TryGetValue("fieldValidation", out var validation) && validation.Length > 0)
        {
            options["fieldValidation"] = validation;
        }

        return options;
    }

    /// <summary>
    /// A create, update or patch. Without a webhook that may apply it is one call into the cluster. With one, as the real
    /// server: the write is computed (a dry run: defaults, validation, uid), the webhooks see that object (and the stored
    /// one it replaces), and only then is it stored, if the stored object did not change meanwhile (else, without a
    /// client precondition, it starts over, like GuaranteedUpdate).
    /// </summary>
    private async Task<ApiResponse> WriteAsync(HttpRequest request, Route route, string verb, Dictionary<string, string> query, JsonObject? body, byte[]? patch, CancellationToken cancellationToken)
    {
        var resource = route.Resource!;
        var manager = Manager(request, query);
        var dryRun = query.ContainsKey("dryRun");
        var subresource = route.Subresource ?? string.Empty;
        IReadOnlyList<string> operations = verb == "create" ? ["CREATE"] : verb == "update" && resource.AllowCreateOnUpdate ? ["UPDATE", "CREATE"] : ["UPDATE"];
        if (!admission.MayApply(resource, subresource, operations))
        {
            return Apply(dryRun ? WriteMode.DryRun : WriteMode.Commit, body);
        }

        var name = verb == "create" ? ObjectMutations.GetString(body!["metadata"] as JsonObject, "name") ?? string.Empty : route.Name!;
        var user = request.HttpContext.Items[typeof(RequestAttributes)] is RequestAttributes attributes
            ? attributes.User
            : authorizer.Authenticate(request.Headers.Authorization.ToString()).User ?? UserInfo.Admin;
        for (var attempt = 1; ; attempt++)
        {
            var old = verb == "create" ? null : cluster.Lookup(resource, route.Namespace, route.Name!);
            var trial = Apply(WriteMode.DryRun, body is null ? null : (JsonObject)body.DeepClone());
            if (trial.StatusCode >= 300)
            {
                return trial;
            }

            var proposed = Json.ToElement(trial.Body);
            var created = trial.StatusCode == 201;
            if (!created && (old is null || StoredObject.GetString(proposed.GetProperty("metadata"), "resourceVersion") != FieldSelector.Invariant(old.ResourceVersion)))
            {
                if (attempt < MaxAdmissionAttempts)
                {
                    continue;   // changed between the read and the dry run
                }

                return Statuses.Conflict(resource, route.Name!);
            }

            var ns = resource.Flavor == ResourceFlavor.Namespace ? (created ? string.Empty : name) : route.Namespace ?? string.Empty;
            var attrs = new AdmissionAttributes(resource, subresource, created ? "CREATE" : "UPDATE", name, ns, user, proposed,
                created ? null : Json.ToElement(ClusterState.View(resource, old!)), dryRun, WriteOptions(verb, query));
            var (refusal, warnings) = await admission.AdmitAsync(attrs, cancellationToken).ConfigureAwait(false);
            if (refusal is not null || dryRun)
            {
                return AddWarnings(refusal ?? trial, warnings);
            }

            var admitted = Json.ToNode(trial.Body);
            var committed = verb == "create"
                ? cluster.Create(resource, route.Namespace, admitted, query, manager, WriteMode.CommitAdmitted)
                : cluster.Update(resource, route.Namespace, route.Name!, route.Subresource, admitted, query, manager, WriteMode.CommitAdmitted);
            if (committed.StatusCode == 409 && !created && attempt < MaxAdmissionAttempts)
            {
                // Someone else wrote it after the webhooks looked: admit the new result again. A request that carried a
                // resourceVersion gets its 409 from the next dry run, as it would have without webhooks.
                continue;
            }

            return AddWarnings(committed, warnings);
        }

        ApiResponse Apply(WriteMode mode, JsonObject? obj) => verb switch
        {
            "create" => cluster.Create(resource, route.Namespace, obj!, query, manager, mode),
            "update" => cluster.Update(resource, route.Namespace, route.Name!, route.Subresource, obj!, query, manager, mode),
            _ => cluster.Patch(resource, route.Namespace, route.Name!, route.Subresource, request.ContentType ?? string.Empty, patch!, query, manager, mode == WriteMode.DryRun),
        };
    }

    private static ApiResponse AddWarnings(ApiResponse response, IReadOnlyList<string> warnings)
    {
        if (warnings.Count == 0)
        {
            return response;
        }

        var headers = new WarningHeaders();
        headers.AddRange(warnings);
        return headers.ApplyTo(response);
    }
}
