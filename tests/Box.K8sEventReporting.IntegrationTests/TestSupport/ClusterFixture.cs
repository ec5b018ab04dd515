using System.Net;
using System.Net.Http.Headers;
using Box.K8sEventReporting.CustomResourceDefinitions;
using Box.K8sEventReporting.Testing.ApiServer;
using ControlPlane;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.TestSupport;

/// <summary>
/// The cluster the integration tests run against: an in-process API server over HTTPS with HTTP/2 by default, or the
/// real cluster named by the kubeconfig in <c>K8S_E2E_KUBECONFIG</c>. Installs the Pki CRD (generated from the class) if it is missing; every test
/// gets fresh, uniquely named namespaces, deleted at the end on a real cluster.
/// </summary>
/// <remarks>
/// Use it as a class fixture (<c>IClassFixture&lt;ClusterFixture&gt;</c>: one server per test class, classes run in
/// parallel) or through <see cref="ClusterCollection"/>. A test written against it asserts only what holds on any
/// conformant cluster: it filters Events by our reporting component, names everything uniquely, assumes no empty
/// cluster, and checks what only the in-process server can see (request counts) through <see cref="InProcess"/>.
/// Tests that need <see cref="ApiServerFaults"/> or in-process-only settings carry <c>[Trait("Cluster", "InProcessOnly")]</c>.
/// </remarks>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string KubeconfigVariable = "K8S_E2E_KUBECONFIG";

    private readonly List<string> _namespaces = [];
    private Kubernetes? _raw;

    /// <summary>Gets the in-process server, or <see langword="null"/> on a real cluster.</summary>
    public InProcessApiServer? Server { get; private set; }

    public bool IsRealCluster => Server is null;

    public KubernetesClientConfiguration Configuration { get; private set; } = null!;

    public IKubernetes Client { get; private set; } = null!;

    /// <summary>Gets an HttpClient for raw requests (relative paths) over the client's own TLS settings and credentials.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Gets a configuration authenticating as the control plane's own service account, limited to the RBAC in
    /// samples/ControlPlane/config.yml (the in-process server enforces RBAC; the admin <see cref="Client"/> may do anything).</summary>
    public KubernetesClientConfiguration ControlPlaneConfiguration { get; private set; } = null!;

    /// <summary>Gets a client authenticating as the control plane's own service account (see <see cref="ControlPlaneConfiguration"/>).</summary>
    public IKubernetes ControlPlaneClient { get; private set; } = null!;

    public static string ManifestPath(string file) => Path.Combine(AppContext.BaseDirectory, "manifests", file);

    public async Task InitializeAsync()
    {
        var kubeconfig = Environment.GetEnvironmentVariable(KubeconfigVariable);
        if (string.IsNullOrEmpty(kubeconfig))
        {
            Server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { Https = true, EnforceRbac = true });
            Configuration = Server.CreateClientConfiguration();
        }
        else
        {
            Configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
            await RealClusterCleanup.RecordOnceAsync(Configuration);
        }

        Client = new Kubernetes(Configuration);
        _raw = new Kubernetes(Configuration);
        Http = _raw.HttpClient;
        Http.BaseAddress = new Uri(Configuration.Host.TrimEnd('/') + "/");
        if (!string.IsNullOrEmpty(Configuration.AccessToken))
        {
            Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Configuration.AccessToken);
        }

        await InstallPkiCrdIfMissingAsync();
        await ControlPlaneRbac.ApplyAsync(Client);
        ControlPlaneConfiguration = await ControlPlaneRbac.ConfigurationAsync(Client, Configuration);
        ControlPlaneClient = new Kubernetes(ControlPlaneConfiguration);
    }

    public async Task DisposeAsync()
    {
        if (IsRealCluster)
        {
            foreach (var ns in _namespaces)
            {
                try
                {
                    await Client.CoreV1.DeleteNamespaceAsync(ns);
                }
                catch (HttpOperationException)
                {
                    // Best effort: a namespace left behind is named t-…, easy to clean up by hand.
                }
            }
        }

        Client.Dispose();
        ControlPlaneClient?.Dispose();
        _raw?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    /// <summary>Runs a check only the in-process server can make (request counts); nothing on a real cluster.</summary>
    public void InProcess(Action<InProcessApiServer> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (Server is not null)
        {
            check(Server);
        }
    }

    /// <summary>Creates a fresh namespace with a unique name starting with <paramref name="prefix"/>.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"t-{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 11)].TrimEnd('-');
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        lock (_namespaces)
        {
            _namespaces.Add(name);
        }

        return name;
    }

    /// <summary>
    /// Creates <paramref name="definition"/>, or replaces a different one of the same name (a test's own CRD, never the
    /// Pki's), and waits until the API server serves it.
    /// </summary>
    public async Task EnsureCustomResourceDefinitionAsync(V1CustomResourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        try
        {
            await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(definition);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var existing = await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(definition.Metadata.Name);
            if (KubernetesJson.Serialize(existing.Spec) != KubernetesJson.Serialize(definition.Spec))
            {
                definition.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                await Client.ApiextensionsV1.ReplaceCustomResourceDefinitionAsync(definition, definition.Metadata.Name);
                definition.Metadata.ResourceVersion = null;
            }
        }

        var version = definition.Spec.Versions.Single(v => v.Storage);
        await Wait.UntilAsync(
            async () =>
            {
                var crd = await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(definition.Metadata.Name);
                return crd.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true
                    && (await Client.CustomObjects.ListClusterCustomObjectAsync(definition.Spec.Group, version.Name, definition.Spec.Names.Plural, limit: 1)) is not null;
            },
            $"the {definition.Metadata.Name} CRD is served",
            TimeSpan.FromSeconds(30));
    }

    private async Task InstallPkiCrdIfMissingAsync()
    {
        try
        {
            await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("pkis.box.com");
            return;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }

        // The CRD generated from the Pki class (the checked-in samples/ControlPlane/crds/pkis.box.com.yaml is the same text:
        // PkiCustomResourceDefinitionTests). On a real cluster apply that file first to run the schema's refusals.
        var crd = CustomResourceDefinitionBuilder.Build<Pki>();
        try
        {
            await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Another test class's fixture installed it at the same moment.
        }

        // A real API server needs a moment before it serves a new CRD.
        await Wait.UntilAsync(
            async () =>
            {
                await Client.CustomObjects.ListClusterCustomObjectAsync("box.com", "v1", "pkis", limit: 1);
                return true;
            },
            "the pkis.box.com CRD is served",
            TimeSpan.FromSeconds(30));
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
