using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace ControlPlane;

/// <summary>An application's request for a PKI Secret (<c>pkis.box.com/v1</c>).</summary>
[KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "Pki", PluralName = "pkis")]
public sealed class Pki : IKubernetesObject<V1ObjectMeta>, ISpec<PkiSpec?>, IStatus<PkiStatus?>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "box.com/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Pki";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public PkiSpec? Spec { get; set; }

    [JsonPropertyName("status")]
    public PkiStatus? Status { get; set; }
}

public sealed class PkiSpec
{
    [JsonPropertyName("serviceName")]
    public string? ServiceName { get; set; }
}

public sealed class PkiStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>When the certificate in the Pki's Secret expires (it is renewed well before).</summary>
    [JsonPropertyName("notAfter")]
    public DateTimeOffset? NotAfter { get; set; }
}

public sealed class PkiList
{
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public IList<Pki> Items { get; set; } = [];
}
