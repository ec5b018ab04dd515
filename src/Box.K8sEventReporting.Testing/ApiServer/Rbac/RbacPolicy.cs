using System.Text.Json;
using k8s.Models;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// The RBAC authorizer: the stored Roles, ClusterRoles, RoleBindings and ClusterRoleBindings decide, as
/// k8s.io/kubernetes' plugin/pkg/auth/authorizer/rbac does (ClusterRoleBindings everywhere, RoleBindings in their
/// namespace; verbs, apiGroups, resources with <c>resource/subresource</c> and <c>*/subresource</c>, resourceNames,
/// nonResourceURLs, <c>*</c>). Built in: <c>system:masters</c> may do anything, and <c>system:authenticated</c> may read
/// the discovery paths (the bootstrap ClusterRole <c>system:discovery</c>). Aggregated ClusterRoles are not expanded.
/// </summary>
internal sealed class RbacPolicy(ClusterState cluster)
{
    private const string Group = "rbac.authorization.k8s.io";
    private static readonly string[] DiscoveryUrls = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"];
    private static readonly string[] RbacPlurals = ["roles", "clusterroles", "rolebindings", "clusterrolebindings"];
    private static readonly Rule DiscoveryRule = new([], [], ["get"], [], DiscoveryUrls);
    private Snapshot? snapshot;

    public AuthorizationDecision Authorize(RequestAttributes a)
    {
        if (a.User.IsAdmin)
        {
            return Decide(a, true, "allowed: the admin identity (group system:masters)", null);
        }

        if (!a.IsResourceRequest && a.User.Groups.Contains(UserInfo.AuthenticatedGroup) && Allows(DiscoveryRule, a))
        {
            return Decide(a, true, "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\"", DiscoveryRule);
        }

        var current = Current();
        var bindings = current.ClusterRoleBindings.AsEnumerable();
        if (a.Namespace.Length > 0 && current.RoleBindings.TryGetValue(a.Namespace, out var inNamespace))
        {
            bindings = bindings.Concat(inNamespace);
        }

        foreach (var binding in bindings)
        {
            var subject = binding.Subjects.FirstOrDefault(s => AppliesTo(s, binding.Namespace, a.User));
            if (subject is null || !current.Rules.TryGetValue((binding.RoleKind, binding.RoleKind == "Role" ? binding.Namespace : string.Empty, binding.RoleName), out var rules))
            {
                continue;
            }

            foreach (var rule in rules)
            {
                if (Allows(rule, a))
                {
                    var source = binding.Namespace.Length == 0
                        ? $"ClusterRoleBinding \"{binding.Name}\""
                        : $"RoleBinding \"{binding.Name}/{binding.Namespace}\"";
                    return Decide(a, true, $"RBAC: allowed by {source} of {binding.RoleKind} \"{binding.RoleName}\" to {Describe(subject, binding.Namespace)}", rule);
                }
            }
        }

        return Decide(a, false, "no RBAC rule allows it", null);
    }

    private static AuthorizationDecision Decide(RequestAttributes a, bool allowed, string reason, Rule? rule) => new()
    {
        User = a.User.Name,
        Verb = a.Verb,
        ApiGroup = a.ApiGroup,
        Resource = a.Resource,
        Subresource = a.Subresource,
        Namespace = a.Namespace,
        Name = a.Name,
        Path = a.Path,
        Allowed = allowed,
        Reason = reason,
        Rule = rule is null ? null : new V1PolicyRule
        {
            ApiGroups = rule.ApiGroups.Length == 0 ? null : [.. rule.ApiGroups],
            Resources = rule.Resources.Length == 0 ? null : [.. rule.Resources],
            Verbs = [.. rule.Verbs],
            ResourceNames = rule.ResourceNames.Length == 0 ? null : [.. rule.ResourceNames],
            NonResourceURLs = rule.NonResourceUrls.Length == 0 ? null : [.. rule.NonResourceUrls],
        },
    };

    private static bool Allows(Rule rule, RequestAttributes a)
    {
        if (!rule.Verbs.Any(v => v == "*" || v == a.Verb))
        {
            return false;
        }

        if (!a.IsResourceRequest)
        {
            return rule.NonResourceUrls.Any(u => u == "*" || u == a.Path || (u.EndsWith('*') && a.Path.StartsWith(u.TrimEnd('*'), StringComparison.Ordinal)));
        }

        var combined = a.Subresource.Length == 0 ? a.Resource : a.Resource + "/" + a.Subresource;
        return rule.ApiGroups.Any(g => g == "*" || g == a.ApiGroup)
            && rule.Resources.Any(r => r == "*" || r == combined || (a.Subresource.Length > 0 && r == "*/" + a.Subresource))
            && (rule.ResourceNames.Length == 0 || rule.ResourceNames.Contains(a.Name));
    }

    private static bool AppliesTo(Subject subject, string bindingNamespace, UserInfo user)
    {
        switch (subject.Kind)
        {
            case "User":
                return subject.Name == user.Name;
            case "Group":
                return user.Groups.Contains(subject.Name);
            case "ServiceAccount":
                var ns = subject.Namespace.Length > 0 ? subject.Namespace : bindingNamespace;
                return ns.Length > 0 && user.Name == $"system:serviceaccount:{ns}:{subject.Name}";
            default:
                return false;
        }
    }

    private static string Describe(Subject s, string bindingNamespace) => s.Kind == "ServiceAccount"
        ? $"ServiceAccount \"{s.Name}/{(s.Namespace.Length > 0 ? s.Namespace : bindingNamespace)}\""
        : $"{s.Kind} \"{s.Name}\"";

    private Snapshot Current()
    {
        lock (cluster.Gate)
        {
            var stores = RbacPlurals.Select(p => cluster.Find(Group, "v1", p)!.Store).ToArray();
            var version = stores.Sum(s => s.LastResourceVersion);
            if (snapshot is not null && snapshot.Version == version)
            {
                return snapshot;
            }

            var rules = new Dictionary<(string, string, string), Rule[]>();
            foreach (var o in stores[0].Objects.Values)
            {
                rules[("Role", o.Namespace, o.Name)] = Rules(o.Root);
            }

            foreach (var o in stores[1].Objects.Values)
            {
                rules[("ClusterRole", string.Empty, o.Name)] = Rules(o.Root);
            }

            var roleBindings = stores[2].Objects.Values.Select(Binding).GroupBy(b => b.Namespace, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.OrderBy(b => b.Name, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
            var clusterRoleBindings = stores[3].Objects.Values.Select(Binding).OrderBy(b => b.Name, StringComparer.Ordinal).ToArray();
            snapshot = new Snapshot(version, rules, roleBindings, clusterRoleBindings);
            return snapshot;
        }
    }

    private static Rule[] Rules(JsonElement role) =>
        role.TryGetProperty("rules", out var rules) && rules.ValueKind == JsonValueKind.Array
            ? [.. rules.EnumerateArray().Select(r => new Rule(Strings(r, "apiGroups"), Strings(r, "resources"), Strings(r, "verbs"), Strings(r, "resourceNames"), Strings(r, "nonResourceURLs")))]
            : [];

    private static RoleBinding Binding(StoredObject o)
    {
        var roleRef = o.Root.TryGetProperty("roleRef", out var r) ? r : default;
        var subjects = o.Root.TryGetProperty("subjects", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(x => new Subject(String(x, "kind"), String(x, "name"), String(x, "namespace"))).ToArray()
            : [];
        return new RoleBinding(o.Name, o.Namespace, String(roleRef, "kind"), String(roleRef, "name"), subjects);
    }

    private static string[] Strings(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var a) && a.ValueKind == JsonValueKind.Array
            ? [.. a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)]
            : [];

    private static string String(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;

    private sealed record Rule(string[] ApiGroups, string[] Resources, string[] Verbs, string[] ResourceNames, string[] NonResourceUrls);

    private sealed record Subject(string Kind, string Name, string Namespace);

    private sealed record RoleBinding(string Name, string Namespace, string RoleKind, string RoleName, Subject[] Subjects);

    private sealed record Snapshot(
        long Version,
        Dictionary<(string Kind, string Namespace, string Name), Rule[]> Rules,
        Dictionary<string, RoleBinding[]> RoleBindings,
        RoleBinding[] ClusterRoleBindings);
}
