using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>One rule of a webhook: operations, apiGroups, apiVersions, resources (<c>res/sub</c>, <c>*</c>) and scope.</summary>
internal sealed record WebhookRule(string[] Operations, string[] ApiGroups, string[] ApiVersions, string[] Resources, string Scope);

/// <summary>A <c>service</c> client configuration: reached through <see cref="InProcessApiServer.MapService"/>.</summary>
internal sealed record WebhookService(string Namespace, string Name, string Path, int Port)
{
    /// <summary>The name the webhook's certificate must carry: <c>&lt;name&gt;.&lt;namespace&gt;.svc</c>.</summary>
    public string ServerName => $"{Name}.{Namespace}.svc";
}

/// <summary>One webhook of a stored (so defaulted and valid) ValidatingWebhookConfiguration.</summary>
internal sealed class ValidatingWebhook
{
    private ValidatingWebhook(JsonObject hook)
    {
        Name = ObjectMutations.GetString(hook, "name") ?? string.Empty;
        Rules = (hook["rules"] as JsonArray ?? []).OfType<JsonObject>().Select(r => new WebhookRule(
            Strings(r["operations"]), Strings(r["apiGroups"]), Strings(r["apiVersions"]), Strings(r["resources"]), ObjectMutations.GetString(r, "scope") ?? "*")).ToArray();
        FailOpen = ObjectMutations.GetString(hook, "failurePolicy") == "Ignore";
        MatchEquivalent = ObjectMutations.GetString(hook, "matchPolicy") != "Exact";
        NamespaceSelector = hook["namespaceSelector"] as JsonObject;
        ObjectSelector = hook["objectSelector"] as JsonObject;
        Timeout = TimeSpan.FromSeconds(hook["timeoutSeconds"] is JsonValue t && t.TryGetValue<int>(out var s) ? s : 10);
        ReviewVersion = Strings(hook["admissionReviewVersions"]).FirstOrDefault(v => v is "v1" or "v1beta1") ?? "v1";
        var config = hook["clientConfig"] as JsonObject;
        Url = ObjectMutations.GetString(config, "url");
        if (config?["service"] is JsonObject service)
        {
            Service = new WebhookService(
                ObjectMutations.GetString(service, "namespace") ?? string.Empty,
                ObjectMutations.GetString(service, "name") ?? string.Empty,
                ObjectMutations.GetString(service, "path") ?? "/",
                service["port"] is JsonValue p && p.TryGetValue<int>(out var port) ? port : 443);
        }

        CaBundle = ObjectMutations.GetString(config, "caBundle");
    }

    public string Name { get; }

    public IReadOnlyList<WebhookRule> Rules { get; }

    /// <summary><c>failurePolicy: Ignore</c>: a failed call lets the request through.</summary>
    public bool FailOpen { get; }

    /// <summary><c>matchPolicy: Equivalent</c>: a rule naming another version of the same resource matches too.</summary>
    public bool MatchEquivalent { get; }

    public JsonObject? NamespaceSelector { get; }

    public JsonObject? ObjectSelector { get; }

    public TimeSpan Timeout { get; }

    /// <summary>The AdmissionReview version sent: the first of admissionReviewVersions this server speaks.</summary>
    public string ReviewVersion { get; }

    public string? Url { get; }

    public WebhookService? Service { get; }

    /// <summary>The base64 of the PEM bundle, as stored; null or empty: the system's roots.</summary>
    public string? CaBundle { get; }

    public static IEnumerable<ValidatingWebhook> From(StoredObject configuration) =>
        (Json.ToNode(configuration.Json)["webhooks"] as JsonArray ?? []).OfType<JsonObject>().Select(h => new ValidatingWebhook(h));

    /// <summary>The certificates of <see cref="CaBundle"/>; null for none; throws <see cref="CryptographicException"/> for a bundle that holds no certificate.</summary>
    public X509Certificate2Collection? LoadRoots()
    {
        if (string.IsNullOrEmpty(CaBundle))
        {
            return null;
        }

        string pem;
        try
        {
            pem = Encoding.UTF8.GetString(Convert.FromBase64String(CaBundle));
        }
        catch (FormatException ex)
        {
            throw new CryptographicException("unable to load root certificates: caBundle is not base64", ex);
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(pem);
        return roots.Count > 0 ? roots : throw new CryptographicException("unable to load root certificates: unable to parse bytes as PEM block");
    }

    private static string[] Strings(JsonNode? node) =>
        (node as JsonArray ?? []).Select(v => v?.ToString() ?? string.Empty).ToArray();
}
