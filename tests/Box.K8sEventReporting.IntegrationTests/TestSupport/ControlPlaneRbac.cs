using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.TestSupport;

/// <summary>
/// The control plane's own identity and RBAC, read from the sample's <c>samples/ControlPlane/config.yml</c>: the
/// ServiceAccount <c>controlplane/controlplane</c>, the (Cluster)Roles bound to it, and what the tests recorded against them.
/// </summary>
internal static class ControlPlaneRbac
{
    public static readonly ServiceAccountIdentity ServiceAccount = new("controlplane", "controlplane");

    private static readonly HashSet<string> RbacKinds = new(StringComparer.Ordinal) { "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding" };

    public static string ConfigYaml => File.ReadAllText(ClusterFixture.ManifestPath("ControlPlane-config.yml"));

    /// <summary>
    /// Applies the control plane's Namespace, ServiceAccount, (Cluster)Roles and bindings from config.yml (nothing else: no
    /// Deployment). Roles that exist with other rules (left by an earlier version of config.yml) get this version's rules:
    /// the suite tests exactly what config.yml grants.
    /// </summary>
    public static async Task ApplyAsync(IKubernetes admin)
    {
        var objects = KubernetesYaml.LoadAllFromString(ConfigYaml).OfType<IKubernetesObject<V1ObjectMeta>>().Where(o => RbacKinds.Contains(o.Kind)).ToList();
        await KubernetesManifests.ApplyAsync(admin, string.Join("\n---\n", objects.Select(o => KubernetesYaml.Serialize(o))), createPodsForWorkloads: false);
        foreach (var role in objects.OfType<V1ClusterRole>())
        {
            var current = await admin.RbacAuthorizationV1.ReadClusterRoleAsync(role.Metadata.Name);
            if (KubernetesJson.Serialize(current.Rules) != KubernetesJson.Serialize(role.Rules))
            {
                current.Rules = role.Rules;
                await ReplaceUnlessRacedAsync(() => admin.RbacAuthorizationV1.ReplaceClusterRoleAsync(current, role.Metadata.Name));
            }
        }

        foreach (var role in objects.OfType<V1Role>())
        {
            var current = await admin.RbacAuthorizationV1.ReadNamespacedRoleAsync(role.Metadata.Name, role.Metadata.NamespaceProperty);
            if (KubernetesJson.Serialize(current.Rules) != KubernetesJson.Serialize(role.Rules))
            {
                current.Rules = role.Rules;
                await ReplaceUnlessRacedAsync(() => admin.RbacAuthorizationV1.ReplaceNamespacedRoleAsync(current, role.Metadata.Name, role.Metadata.NamespaceProperty));
            }
        }
    }

    private static async Task ReplaceUnlessRacedAsync(Func<Task> replace)
    {
        try
        {
            await replace();
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Another test class's fixture replaced it at the same moment, with the same rules.
        }
    }

    /// <summary>A client configuration authenticating as the control plane's service account: a TokenRequest, as on any cluster.</summary>
    public static async Task<KubernetesClientConfiguration> ConfigurationAsync(IKubernetes admin, KubernetesClientConfiguration adminConfiguration)
    {
        var request = new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600 } };
        var token = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, ServiceAccount.Name, ServiceAccount.Namespace);
        return new KubernetesClientConfiguration
        {
            Host = adminConfiguration.Host,
            SslCaCerts = adminConfiguration.SslCaCerts,
            SkipTlsVerify = adminConfiguration.SkipTlsVerify,
            TlsServerName = adminConfiguration.TlsServerName,
            AccessToken = token.Status.Token,
        };
    }

    /// <summary>The in-process server's denials of the control plane's requests (none against a real cluster, which records nothing here).</summary>
    public static IReadOnlyList<AuthorizationDecision> Denials(InProcessApiServer? server) =>
        server?.AuthorizationDecisions.Where(d => !d.Allowed && d.User == ServiceAccount.UserName).ToArray() ?? [];

    /// <summary>Fails, listing every call config.yml did not allow, if the control plane made any.</summary>
    public static void AssertNoDenials(InProcessApiServer? server) => AssertNoDenials(server, []);

    /// <summary>Fails if the control plane made a call config.yml did not allow in one of <paramref name="namespaces"/>, or
    /// cluster-wide (a shared server may hold another test's deliberate denials elsewhere); all namespaces when none given.</summary>
    public static void AssertNoDenials(InProcessApiServer? server, IReadOnlyCollection<string> namespaces)
    {
        var denials = Denials(server).Where(d => namespaces.Count == 0 || d.Namespace.Length == 0 || namespaces.Contains(d.Namespace)).ToArray();
        Assert.True(
            denials.Length == 0,
            $"The control plane made {denials.Length} call(s) outside the RBAC in samples/ControlPlane/config.yml:\n  "
            + string.Join("\n  ", denials.Select(d => d.ToString()).Distinct()));
    }

    /// <summary>Every (apiGroup, resource, verb) that config.yml grants the control plane's service account, wildcards left as written.</summary>
    public static IReadOnlySet<Permission> Granted()
    {
        var objects = KubernetesYaml.LoadAllFromString(ConfigYaml).ToArray();
        bool Binds(IEnumerable<Rbacv1Subject>? subjects) => subjects?.Any(s =>
            s.Kind == "ServiceAccount" && s.Name == ServiceAccount.Name && (s.NamespaceProperty ?? ServiceAccount.Namespace) == ServiceAccount.Namespace) == true;
        var bound = objects.OfType<V1ClusterRoleBinding>().Where(b => Binds(b.Subjects)).Select(b => (b.RoleRef.Kind, b.RoleRef.Name))
            .Concat(objects.OfType<V1RoleBinding>().Where(b => Binds(b.Subjects)).Select(b => (b.RoleRef.Kind, b.RoleRef.Name)))
            .ToHashSet();
        var rules = objects.OfType<V1ClusterRole>().Where(r => bound.Contains(("ClusterRole", r.Metadata.Name))).SelectMany(r => r.Rules ?? [])
            .Concat(objects.OfType<V1Role>().Where(r => bound.Contains(("Role", r.Metadata.Name))).SelectMany(r => r.Rules ?? []));
        return rules.SelectMany(Expand).ToHashSet();
    }

    /// <summary>The permissions an allowed decision used, named as the rule that allowed it names them (so a wildcard rule counts as used).</summary>
    public static IReadOnlySet<Permission> Used(InProcessApiServer server) =>
        server.AuthorizationDecisions
            .Where(d => d.Allowed && d.User == ServiceAccount.UserName && d.Rule is not null)
            .Where(d => d.Resource.Length > 0)   // discovery (non-resource URLs) is every authenticated user's, not config.yml's
            .Select(d => new Permission(
                d.Rule!.ApiGroups?.Contains(d.ApiGroup) == true ? d.ApiGroup : "*",
                d.Rule.Resources?.Contains(d.ResourceAndSubresource) == true ? d.ResourceAndSubresource : d.Rule.Resources?.FirstOrDefault(r => r == "*" || r == "*/" + d.Subresource) ?? d.ResourceAndSubresource,
                d.Rule.Verbs.Contains(d.Verb) ? d.Verb : "*"))
            .ToHashSet();

    /// <summary>
    /// The rules config.yml documents as a commented-out opt-in after the comment naming <paramref name="feature"/>
    /// (for example <c># Only with .ReportOnOwningDeployments():</c>), granted to the control plane's service account
    /// until the returned handle is disposed.
    /// </summary>
    public static async Task<IAsyncDisposable> GrantOptInAsync(IKubernetes admin, string feature)
    {
        var lines = ConfigYaml.Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimStart().StartsWith('#') && l.Contains(feature, StringComparison.Ordinal));
        Assert.True(start >= 0, $"config.yml documents no opt-in rule for {feature}");
        var rules = lines.Skip(start + 1)
            .TakeWhile(l => l.TrimStart().StartsWith("# ", StringComparison.Ordinal) && l.TrimStart()[2..].TrimStart().Length > 0 && l.TrimStart()[2] is '-' or ' ')
            .Select(l => l.TrimStart()[2..]);
        var name = "box-controlplane-opt-in-" + Guid.NewGuid().ToString("N")[..8];
        await admin.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = name },
            Rules = KubernetesYaml.Deserialize<List<V1PolicyRule>>(string.Join('\n', rules)),
        });
        await admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = ServiceAccount.Name, NamespaceProperty = ServiceAccount.Namespace }],
        });
        return new OptIn(admin, name);
    }

    private static IEnumerable<Permission> Expand(V1PolicyRule rule) =>
        from g in rule.ApiGroups ?? []
        from r in rule.Resources ?? []
        from v in rule.Verbs ?? []
        select new Permission(g, r, v);

    private sealed class OptIn(IKubernetes admin, string name) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name);
            await admin.RbacAuthorizationV1.DeleteClusterRoleAsync(name);
        }
    }

    /// <summary>One granted or used permission.</summary>
    internal sealed record Permission(string ApiGroup, string Resource, string Verb)
    {
        public override string ToString() => $"{(ApiGroup.Length == 0 ? "core" : ApiGroup)} {Resource} {Verb}";
    }
}
