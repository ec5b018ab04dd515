using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Controller;

/// <summary>A small custom resource for controller tests.</summary>
[KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
public sealed class Widget : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "box.com/v1";

    public string Kind { get; set; } = "Widget";

    public V1ObjectMeta Metadata { get; set; } = new();

    public string? ServiceName { get; set; }

    public static Widget Create(string name, string? serviceName = "ok", long generation = 1, string ns = "ns") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Generation = generation, Uid = $"uid-{name}" },
        ServiceName = serviceName,
    };

    public Widget With(string? serviceName = null, long? generation = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = Metadata.Name,
            NamespaceProperty = Metadata.NamespaceProperty,
            Generation = generation ?? Metadata.Generation,
            Uid = Metadata.Uid,
        },
        ServiceName = serviceName ?? ServiceName,
    };
}
