using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.IntegrationTests.Controller;

/// <summary>The Pki custom resource (<c>pkis.box.com/v1</c>) as the controller tests read it.</summary>
[KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "Pki", PluralName = "pkis")]
public sealed class ControllerPki : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "box.com/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Pki";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ControllerPkiSpec? Spec { get; set; }

    [JsonPropertyName("status")]
    public ControllerPkiStatus? Status { get; set; }
}

public sealed class ControllerPkiSpec
{
    [JsonPropertyName("serviceName")]
    public string? ServiceName { get; set; }
}

public sealed class ControllerPkiStatus
{
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
