using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.TestSupport;

/// <summary>
/// The Pki custom resource (<c>pkis.box.com/v1</c>) as the watcher tests decode it: the sample's shape plus a typed
/// <c>spec.replicas</c>, so that a wrong JSON type there is a decode failure the tests can provoke.
/// </summary>
[KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "Pki", PluralName = "pkis")]
public sealed class TestPki : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "box.com/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Pki";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TestPkiSpec? Spec { get; set; }

    public static TestPki Create(string ns, string name, string rv, string serviceName = "svc", string? uid = null) => new()
    {
        Metadata = new V1ObjectMeta { NamespaceProperty = ns, Name = name, ResourceVersion = rv, Uid = uid ?? $"uid-{ns}-{name}" },
        Spec = new TestPkiSpec { ServiceName = serviceName },
    };
}

public sealed class TestPkiSpec
{
    [JsonPropertyName("serviceName")]
    public string? ServiceName { get; set; }

    [JsonPropertyName("replicas")]
    public int? Replicas { get; set; }
}
