using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.TestSupport;

/// <summary>
/// What the suite adds to a real cluster besides its own <c>t-…</c> namespaces (which each fixture deletes): the control
/// plane's Namespace, ClusterRole and ClusterRoleBinding from samples/ControlPlane/config.yml, the Pki CRD, the Widget
/// CRD of the CRD-generation tests, and the
/// leader-election Leases (<c>lease-t-…</c>) the tests take in the control plane's namespace. Before the first fixture
/// touches the cluster it notes which of these already exist; when the test process ends it deletes the Leases and every
/// one of the others that the run created, and leaves alone what was there before (a control plane deployed from the
/// sample keeps its objects).
/// </summary>
internal static class RealClusterCleanup
{
    private const string ControlPlaneNamespace = "controlplane";
    private static readonly string[] CrdNames = ["pkis.box.com", "widgets.example.test"];
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool recorded;

    /// <summary>Notes what exists, once per process, and arranges the clean-up at process exit.</summary>
    public static async Task RecordOnceAsync(KubernetesClientConfiguration configuration)
    {
        await Gate.WaitAsync();
        try
        {
            if (recorded)
            {
                return;
            }

            recorded = true;
            using var client = new Kubernetes(configuration);
            var manifests = KubernetesYaml.LoadAllFromString(ControlPlaneRbac.ConfigYaml);
            var clusterRoles = new List<string>();
            foreach (var role in manifests.OfType<V1ClusterRole>())
            {
                if (!await ExistsAsync(() => client.RbacAuthorizationV1.ReadClusterRoleAsync(role.Metadata.Name)))
                {
                    clusterRoles.Add(role.Metadata.Name);
                }
            }

            var clusterRoleBindings = new List<string>();
            foreach (var binding in manifests.OfType<V1ClusterRoleBinding>())
            {
                if (!await ExistsAsync(() => client.RbacAuthorizationV1.ReadClusterRoleBindingAsync(binding.Metadata.Name)))
                {
                    clusterRoleBindings.Add(binding.Metadata.Name);
                }
            }

            var namespaceCreated = !await ExistsAsync(() => client.CoreV1.ReadNamespaceAsync(ControlPlaneNamespace));
            var crdsCreated = new List<string>();
            foreach (var name in CrdNames)
            {
                if (!await ExistsAsync(() => client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name)))
                {
                    crdsCreated.Add(name);
                }
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                CleanUpAsync(configuration, clusterRoles, clusterRoleBindings, namespaceCreated, crdsCreated).GetAwaiter().GetResult();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task CleanUpAsync(KubernetesClientConfiguration configuration, List<string> clusterRoles, List<string> clusterRoleBindings, bool namespaceCreated, List<string> crdsCreated)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new Kubernetes(configuration);
        var ct = timeout.Token;
        await BestEffortAsync(async () =>
        {
            foreach (var lease in (await client.CoordinationV1.ListNamespacedLeaseAsync(ControlPlaneNamespace, cancellationToken: ct)).Items.Where(l => l.Metadata.Name.StartsWith("lease-t-", StringComparison.Ordinal)))
            {
                await client.CoordinationV1.DeleteNamespacedLeaseAsync(lease.Metadata.Name, ControlPlaneNamespace, cancellationToken: ct);
            }
        });
        foreach (var name in clusterRoleBindings)
        {
            await BestEffortAsync(() => client.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name, cancellationToken: ct));
        }

        foreach (var name in clusterRoles)
        {
            await BestEffortAsync(() => client.RbacAuthorizationV1.DeleteClusterRoleAsync(name, cancellationToken: ct));
        }

        if (namespaceCreated)
        {
            await BestEffortAsync(() => client.CoreV1.DeleteNamespaceAsync(ControlPlaneNamespace, cancellationToken: ct));
        }

        foreach (var name in crdsCreated)
        {
            await BestEffortAsync(() => client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync(name, cancellationToken: ct));
        }
    }

    private static async Task<bool> ExistsAsync(Func<Task> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static async Task BestEffortAsync(Func<Task> delete)
    {
        try
        {
            await delete();
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            // The process is ending: what is left is listed in docs/testing.md (the suite against a real cluster), all easy to delete by hand.
        }
    }
}
