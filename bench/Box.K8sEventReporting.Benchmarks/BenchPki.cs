using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Benchmarks;

[KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "Pki", PluralName = "pkis")]
public sealed class BenchPki : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "box.com/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Pki";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public BenchPkiSpec? Spec { get; set; }
}

public sealed class BenchPkiSpec
{
    [JsonPropertyName("serviceName")]
    public string? ServiceName { get; set; }
}

public sealed class BenchPkiList
{
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public List<BenchPki>? Items { get; set; }
}
