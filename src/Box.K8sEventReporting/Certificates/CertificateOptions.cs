using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Certificates;

/// <summary>
/// The control plane's own certificate authority and the certificates it issues, bound from
/// <c>K8sEventReporting:Certificates</c> and validated at start (see <see cref="ICertificateIssuer"/>).
/// </summary>
/// <remarks>
/// The defaults follow what clusters already do. The CA lives 10 years, as kubeadm's cluster CA does: this library does
/// not rotate its CA (a new trust anchor must reach every consumer's <c>ca.crt</c> before it signs anything), so its
/// lifetime is the cluster's. Certificates live 90 days and are renewed at two thirds of their lifetime (day 60), as
/// cert-manager does by default: short enough that a leaked key soon expires, long enough that an outage of the control
/// plane of a few weeks breaks nothing.
/// </remarks>
public sealed class CertificateOptions : IConfigurationBound
{
    /// <summary>The configuration section, under the library's section, that these options are bound from.</summary>
    public const string SectionName = "Certificates";

    /// <summary>Gets or sets the name of the Secret (type <c>kubernetes.io/tls</c>) that holds the CA's certificate and key.</summary>
    /// <value><c>box-k8s-event-reporting-ca</c>.</value>
    [KubernetesNameSetting(KubernetesNameRule.DnsSubdomain, "must be a Secret name, a lowercase DNS subdomain")]
    public string SecretName { get; set; } = "box-k8s-event-reporting-ca";

    /// <summary>Gets or sets the namespace of the CA's Secret: the control plane's own, shared by all its replicas.</summary>
    /// <value>
    /// <see langword="null"/>: the <c>POD_NAMESPACE</c> environment variable, else the pod's own namespace when in a cluster,
    /// else <c>default</c>.
    /// </value>
    public string? SecretNamespace { get; set; }

    /// <summary>Gets or sets the common name of a CA this library creates.</summary>
    /// <value><c>Box.K8sEventReporting CA</c>.</value>
    [SettingLength(1, 64)]
    public string CommonName { get; set; } = "Box.K8sEventReporting CA";

    /// <summary>Gets or sets how long a CA this library creates is valid.</summary>
    /// <value>3,650 days (10 years); allowed 1 day–100 years, more than <see cref="CertificateValidity"/>.</value>
    [SettingRange("1.00:00:00", "36500.00:00:00")]
    public TimeSpan CaValidity { get; set; } = TimeSpan.FromDays(3650);

    /// <summary>Gets or sets how long an issued certificate is valid (never past the CA's own expiry).</summary>
    /// <value>90 days; allowed 1 hour–10 years, less than <see cref="CaValidity"/>.</value>
    [SettingRange("01:00:00", "3650.00:00:00")]
    [LessThanCaValidity]
    public TimeSpan CertificateValidity { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Gets or sets the fraction of an issued certificate's lifetime after which it is renewed.</summary>
    /// <value>0.6667 (two thirds: a 90-day certificate is renewed on day 60); allowed 0.1–0.95.</value>
    [SettingRange(0.1, 0.95)]
    public double RenewAtFractionOfLifetime { get; set; } = 2.0 / 3.0;

    /// <summary>Gets or sets the algorithm of the key pairs this library creates, the CA's and every certificate's.</summary>
    /// <value><see cref="CertificateKeyAlgorithm.EcdsaP256"/>.</value>
    [SettingEnum("one of EcdsaP256, EcdsaP384, Rsa2048, Rsa3072")]
    public CertificateKeyAlgorithm KeyAlgorithm { get; set; } = CertificateKeyAlgorithm.EcdsaP256;

    /// <inheritdoc />
    string IConfigurationBound.ConfigurationPath => "K8sEventReporting:" + SectionName;
}
