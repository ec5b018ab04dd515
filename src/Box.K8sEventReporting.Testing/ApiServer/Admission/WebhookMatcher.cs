using System.Text.Json;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// Which webhooks a request calls, as k8s.io/apiserver's generic webhook <c>ShouldCallHook</c> decides: the
/// namespaceSelector (on the namespace's labels, or the namespace object's own on a namespace create or update),
/// the objectSelector (new or old object), then the rules, and with <c>matchPolicy: Equivalent</c> the rules again
/// against the other served versions of the same resource. Decisions only: no I/O.
/// </summary>
internal static class WebhookMatcher
{
    /// <summary>Whether any rule of <paramref name="hook"/> could match, before selectors are looked at (the fast path's test).</summary>
    public static bool MayMatch(ValidatingWebhook hook, ApiResource resource, string subresource, string operation, IEnumerable<ApiResource> equivalents) =>
        hook.Rules.Any(r => RuleMatches(r, resource, subresource, operation, scopeNamespace: null))
        || (hook.MatchEquivalent && equivalents.Any(e => hook.Rules.Any(r => RuleMatches(r, e, subresource, operation, scopeNamespace: null))));

    /// <summary>The resource the webhook is invoked for (the request's, or an equivalent one), or null when it does not apply.</summary>
    /// <param name="hook">The webhook.</param>
    /// <param name="request">The request.</param>
    /// <param name="namespaceObject">The namespace the request is in (null for cluster-scoped requests or when it does not exist).</param>
    /// <param name="equivalents">The other served versions of the request's resource.</param>
    public static ApiResource? Invocation(ValidatingWebhook hook, AdmissionAttributes request, JsonElement? namespaceObject, IEnumerable<ApiResource> equivalents)
    {
        if (!NamespaceMatches(hook, request, namespaceObject) || !ObjectMatches(hook, request))
        {
            return null;
        }

        if (hook.Rules.Any(r => RuleMatches(r, request.Resource, request.Subresource, request.Operation, request.Namespace)))
        {
            return request.Resource;
        }

        if (!hook.MatchEquivalent)
        {
            return null;
        }

        foreach (var rule in hook.Rules)
        {
            foreach (var equivalent in equivalents)
            {
                if (RuleMatches(rule, equivalent, request.Subresource, request.Operation, request.Namespace))
                {
                    return equivalent;
                }
            }
        }

        return null;
    }

    private static bool NamespaceMatches(ValidatingWebhook hook, AdmissionAttributes request, JsonElement? namespaceObject)
    {
        var isNamespace = request.Resource.Flavor == ResourceFlavor.Namespace;
        if (request.Namespace.Length == 0 && !isNamespace)
        {
            return true;   // cluster-scoped and not a namespace: never exempted
        }

        var selector = LabelSelector.FromObject(hook.NamespaceSelector);
        if (selector.IsEmpty)
        {
            return true;
        }

        if (isNamespace && request.Subresource.Length == 0)
        {
            return selector.Matches(request.Object);   // its own labels, as they will be
        }

        return namespaceObject is { } ns && selector.Matches(ns);
    }

    private static bool ObjectMatches(ValidatingWebhook hook, AdmissionAttributes request)
    {
        var selector = LabelSelector.FromObject(hook.ObjectSelector);
        return selector.IsEmpty || selector.Matches(request.Object) || (request.OldObject is { } old && selector.Matches(old));
    }

    /// <summary>k8s.io/apiserver's rules.Matcher; <paramref name="scopeNamespace"/> null skips the scope test.</summary>
    private static bool RuleMatches(WebhookRule rule, ApiResource resource, string subresource, string operation, string? scopeNamespace)
    {
        if (!rule.Operations.Any(o => o == "*" || o == operation)
            || !rule.ApiGroups.Any(g => g == "*" || g == resource.Group)
            || !rule.ApiVersions.Any(v => v == "*" || v == resource.Version))
        {
            return false;
        }

        if (scopeNamespace is not null)
        {
            var isNamespace = resource.Flavor == ResourceFlavor.Namespace;
            var scoped = rule.Scope switch
            {
                "Namespaced" => !isNamespace && scopeNamespace.Length > 0,
                "Cluster" => isNamespace || scopeNamespace.Length == 0,
                _ => true,
            };
            if (!scoped)
            {
                return false;
            }
        }

        foreach (var entry in rule.Resources)
        {
            var slash = entry.IndexOf('/', StringComparison.Ordinal);
            var (res, sub) = slash < 0 ? (entry, string.Empty) : (entry[..slash], entry[(slash + 1)..]);
            if ((res == "*" || res == resource.Plural) && (sub == "*" || sub == subresource))
            {
                return true;
            }
        }

        return false;
    }
}
