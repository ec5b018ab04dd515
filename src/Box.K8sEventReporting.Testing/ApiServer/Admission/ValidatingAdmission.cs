using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// The ValidatingAdmissionWebhook plugin of the in-process server (k8s.io/apiserver's validating dispatcher): every
/// webhook of the stored ValidatingWebhookConfigurations that matches a create or update is called, all at once;
/// warnings are collected; a denial or (under <c>failurePolicy: Fail</c>) a failed call refuses the request, the
/// first in configuration order winning; under <c>Ignore</c> a failed call is logged and the request goes on.
/// </summary>
internal sealed class ValidatingAdmission(ClusterState cluster, TimeProvider timeProvider, ILogger logger)
{
    private readonly ConcurrentDictionary<(string Namespace, string Name, int Port), Uri> services = new();
    private readonly ConditionalWeakTable<StoredObject, ValidatingWebhook[]> parsed = new();
    private readonly ApiResource configurations = cluster.Find("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations")!;
    private readonly ApiResource namespaces = cluster.Find(string.Empty, "v1", "namespaces")!;

    public void MapService(string @namespace, string name, int port, Uri endpoint) => services[(@namespace, name, port)] = endpoint;

    /// <summary>Whether a webhook might apply (rules only): when none does, a write takes the direct path.</summary>
    public bool MayApply(ApiResource resource, string subresource, IReadOnlyList<string> operations)
    {
        if (IsExempt(resource))
        {
            return false;
        }

        var hooks = Webhooks();
        if (hooks.Count == 0)
        {
            return false;
        }

        var equivalents = Equivalents(resource);
        return hooks.Any(h => operations.Any(op => WebhookMatcher.MayMatch(h, resource, subresource, op, equivalents)));
    }

    /// <summary>Calls the matching webhooks; the refusal (null when admitted) and every warning they returned.</summary>
    public async Task<(ApiResponse? Refusal, IReadOnlyList<string> Warnings)> AdmitAsync(AdmissionAttributes request, CancellationToken cancellationToken)
    {
        var equivalents = Equivalents(request.Resource);
        JsonElement? ns = request.Namespace.Length > 0 ? cluster.Lookup(namespaces, null, request.Namespace)?.Root : null;
        var calls = new List<(ValidatingWebhook Hook, Task<(AdmissionVerdict? Verdict, string? Error)> Call)>();
        foreach (var hook in Webhooks())
        {
            if (WebhookMatcher.Invocation(hook, request, ns, equivalents) is { } invoked)
            {
                calls.Add((hook, CallAsync(hook, request, invoked, cancellationToken)));
            }
        }

        await Task.WhenAll(calls.Select(c => c.Call)).ConfigureAwait(false);
        var warnings = new List<string>();
        ApiResponse? refusal = null;
        foreach (var (hook, call) in calls)
        {
            var (verdict, error) = await call.ConfigureAwait(false);
            if (error is not null)
            {
                if (hook.FailOpen)
                {
                    Log.WebhookFailedOpen(logger, hook.Name, error);
                    continue;
                }

                Log.WebhookFailedClosed(logger, hook.Name, error);
                refusal ??= AdmissionReviews.CallFailed(hook.Name, error);
                continue;
            }

            warnings.AddRange(verdict!.Warnings);
            if (!verdict.Allowed)
            {
                var message = ObjectMutations.GetString(verdict.Result, "message") ?? string.Empty;
                Log.WebhookRejected(logger, hook.Name, message);
                refusal ??= AdmissionReviews.Denied(hook.Name, verdict.Result);
            }
        }

        return (refusal, warnings);
    }

    /// <summary>As the real server: webhook configurations themselves are never sent to webhooks (no lock-out).</summary>
    private static bool IsExempt(ApiResource resource) =>
        resource.Group == "admissionregistration.k8s.io" && resource.Plural is "validatingwebhookconfigurations" or "mutatingwebhookconfigurations";

    private List<ValidatingWebhook> Webhooks() =>
        cluster.Snapshot(configurations).SelectMany(c => parsed.GetValue(c, o => ValidatingWebhook.From(o).ToArray())).ToList();

    /// <summary>The other endpoints of the same storage: other versions of a custom resource, core and events.k8s.io Events.</summary>
    private List<ApiResource> Equivalents(ApiResource resource) =>
        cluster.Resources.Where(r => r != resource && r.Store == resource.Store).OrderBy(r => r.GroupVersion, StringComparer.Ordinal).ToList();

    private async Task<(AdmissionVerdict? Verdict, string? Error)> CallAsync(ValidatingWebhook hook, AdmissionAttributes request, ApiResource invoked, CancellationToken cancellationToken)
    {
        var timeout = ((int)hook.Timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        string logical, serverName;
        Uri target;
        if (hook.Url is { } url)
        {
            var uri = new Uri(url);
            logical = url + "?timeout=" + timeout;
            target = new Uri(logical);
            serverName = uri.Host;
        }
        else
        {
            var service = hook.Service!;
            serverName = service.ServerName;
            logical = string.Create(CultureInfo.InvariantCulture, $"https://{serverName}:{service.Port}{service.Path}?timeout={timeout}");
            if (!services.TryGetValue((service.Namespace, service.Name, service.Port), out var endpoint))
            {
                return (null, $"failed to call webhook: Post \"{logical}\": service \"{service.Name}\" in namespace \"{service.Namespace}\" (port {service.Port.ToString(CultureInfo.InvariantCulture)}) has no endpoint: map it with InProcessApiServer.MapService");
            }

            target = new UriBuilder(endpoint) { Path = service.Path, Query = "timeout=" + timeout }.Uri;
        }

        if (WebhookClient.TryLoadRoots(hook, out var roots) is { } bad)
        {
            return (null, "failed to call webhook: " + bad.Message);
        }

        var uid = Guid.NewGuid().ToString();
        var review = AdmissionReviews.Request(uid, hook.ReviewVersion, request, invoked);
        var (body, error) = await WebhookClient.PostAsync(target, logical, serverName, roots, Json.Serialize(review), hook.Timeout, timeProvider, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return (null, error);
        }

        var (verdict, invalid) = AdmissionReviews.Verify(uid, hook.ReviewVersion, body!);
        return invalid is null ? (verdict, null) : (null, invalid);
    }
}
