using Box.K8sEventReporting.IntegrationTests.TestSupport;
using System.Net;
using Box.K8sEventReporting.Testing.ApiServer;
using ControlPlane;
using k8s.Autorest;
using k8s.Models;
using k8s;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>Creates test objects and reads back what the controllers wrote, through a real client.</summary>
internal sealed class ClusterAssertions : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly bool ownsClient;

    public ClusterAssertions(InProcessApiServer server)
    {
        Client = server.CreateClient();
        ownsClient = true;
    }

    /// <summary>On the cluster fixture's client (not disposed here).</summary>
    public ClusterAssertions(ClusterFixture cluster) => Client = cluster.Client;

    public IKubernetes Client { get; }

    public async Task CreatePkiAsync(string ns, string name, string serviceName)
    {
        var body = new Pki
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new PkiSpec { ServiceName = serviceName },
        };
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "box.com", "v1", ns, "pkis");
    }

    public async Task CreatePodAsync(string ns, string name, string secretName)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "app", Image = "app:1" }],
                Volumes = [new V1Volume { Name = "pki", Secret = new V1SecretVolumeSource { SecretName = secretName } }],
            },
        };
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
    }

    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(string ns) =>
        [.. (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reportingComponent=controlplane")).Items];   // not the scheduler's or kubelet's

    public async Task<bool> SecretExistsAsync(string ns, string name)
    {
        try
        {
            await Client.CoreV1.ReadNamespacedSecretAsync(name, ns);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<V1Condition?> ReadyConditionAsync(string ns, string name)
    {
        var json = await Client.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", name);
        return json.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
    }

    public static Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        Wait.UntilAsync(condition, what, timeout ?? Timeout);

    public void Dispose()
    {
        if (ownsClient)
        {
            Client.Dispose();
        }
    }
}
