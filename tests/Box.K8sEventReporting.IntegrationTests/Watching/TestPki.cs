using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.Watching;

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
}

public sealed class TestPkiSpec
{
    [JsonPropertyName("serviceName")]
    public string? ServiceName { get; set; }

    [JsonPropertyName("replicas")]
    public int? Replicas { get; set; }
}
