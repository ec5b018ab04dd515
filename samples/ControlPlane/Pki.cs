using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Box.K8sEventReporting.CustomResourceDefinitions;
using k8s;
using k8s.Models;

namespace ControlPlane;

/// <summary>An application's request for a PKI Secret: a certificate for its Service, issued by the control plane's CA.</summary>
/// <remarks>
/// The CRD (crds/pkis.box.com.yaml) is generated from this class at build time: its schema, the status subresource, the
/// columns of <c>kubectl get pkis</c> and the descriptions of <c>kubectl explain pki</c> (these summaries).
/// </remarks>
[KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "Pki", PluralName = "pkis")]
[PrinterColumn("ServiceName", ".spec.serviceName")]
[PrinterColumn("Ready", ".status.conditions[?(@.type==\"Ready\")].status")]
[PrinterColumn("Reason", ".status.conditions[?(@.type==\"Ready\")].reason")]
// The certificate's expiry as a string: kubectl prints a future `date` column as <invalid>. (Age comes last on its own.)
[PrinterColumn("NotAfter", ".status.notAfter")]
public sealed class Pki : IKubernetesObject<V1ObjectMeta>, ISpec<PkiSpec?>, IStatus<PkiStatus?>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "box.com/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Pki";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The certificate the application asks for.</summary>
    [JsonPropertyName("spec")]
    public PkiSpec? Spec { get; set; }

    /// <summary>What the control plane did about it (written by the control plane only).</summary>
    [JsonPropertyName("status")]
    public PkiStatus? Status { get; set; }
}

/// <summary>The certificate an application asks for.</summary>
public sealed class PkiSpec
{
    /// <summary>
    /// The application's Service, which the certificate is issued for (DNS name
    /// &lt;serviceName&gt;.&lt;namespace&gt;.svc): a DNS label, and one of the names the control plane allows.
    /// </summary>
    /// <remarks>
    /// The API server checks the shape (required, a DNS label of at most 63 characters); whether the name is allowed
    /// depends on the control plane's configuration, so its validator and admission webhook check that.
    /// </remarks>
    [JsonPropertyName("serviceName")]
    [Required]
    [MaxLength(63)]
    [RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    public string? ServiceName { get; set; }
}

/// <summary>What the control plane did about a Pki.</summary>
public sealed class PkiStatus
{
    /// <summary>The metadata.generation of the Pki the control plane last acted on.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    /// <summary>The Pki's conditions: Ready is True once its Secret holds a certificate for spec.serviceName.</summary>
    [JsonPropertyName("conditions")]
    [ListType(KubernetesListType.Map, "type")]
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
