namespace Box.K8sEventReporting.Admission;

/// <summary>
/// The validating admission webhook, bound from <c>K8sEventReporting:Admission</c> and validated at start
/// (see <c>AddAdmissionWebhook()</c>).
/// </summary>
public sealed class AdmissionWebhookOptions
{
    /// <summary>The configuration section, under the library's section, that these options are bound from.</summary>
    public const string SectionName = "Admission";

    /// <summary>Gets or sets what a resource its validators reject gets: a warning (stored) or a denial.</summary>
    /// <value><see cref="AdmissionMode.Warn"/>.</value>
    [AdmissionEnum]
    public AdmissionMode Mode { get; set; } = AdmissionMode.Warn;

    /// <summary>Gets or sets the HTTPS port the webhook listens on (the Service's <c>targetPort</c>).</summary>
    /// <value>8443; allowed 0–65535 (0: a free port, for tests).</value>
    [AdmissionRange(0, 65535)]
    public int Port { get; set; } = 8443;

    /// <summary>Gets or sets the address the webhook listens on.</summary>
    /// <value><c>0.0.0.0</c>: every IPv4 interface (the pod's IP); an IP address.</value>
    [IPAddressSetting]
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>
    /// Gets or sets the URL the API server calls the webhook at (its <c>clientConfig.url</c>), for a control plane outside
    /// the cluster (or in development) that the API server reaches without a Service: the serving certificate is then for
    /// the URL's host (an IP address or a DNS name, whatever the API server verifies), and <see cref="ServiceName"/> and
    /// <see cref="ServiceNamespace"/> are not used.
    /// </summary>
    /// <value>
    /// <see langword="null"/>: reached through the Service (<c>clientConfig.service</c>). Otherwise an absolute <c>https</c>
    /// URL without user information, query or fragment, as the API server requires, for example
    /// <c>https://127.0.0.1:8443/validate-box-com-v1-pki</c>; a URL whose path is <c>/</c> (<c>https://127.0.0.1:8443/</c>)
    /// stands for every resource's path under it. <see cref="Address"/> and <see cref="Port"/> still say where it listens.
    /// </value>
    [WebhookUrl]
    public Uri? Url { get; set; }

    /// <summary>Gets or sets the name of the Service in front of the webhook: its certificate is for <c>&lt;name&gt;.&lt;namespace&gt;.svc</c>.</summary>
    /// <value><c>box-k8s-event-reporting-webhook</c>; a DNS label. Not used when <see cref="Url"/> is set.</value>
    [DnsLabelSetting("a DNS label (lowercase letters, digits and '-', at most 63)")]
    public string ServiceName { get; set; } = "box-k8s-event-reporting-webhook";

    /// <summary>Gets or sets the namespace of that Service.</summary>
    /// <value>
    /// <see langword="null"/>: the <c>POD_NAMESPACE</c> environment variable, else the pod's own namespace when in a cluster,
    /// else <c>default</c>.
    /// </value>
    [DnsLabelSetting("a namespace name, or empty for the pod's own", Optional = true)]
    public string? ServiceNamespace { get; set; }

    /// <summary>
    /// Gets or sets the <c>ValidatingWebhookConfiguration</c> whose webhooks served by this Service (with <see cref="Url"/>:
    /// whose <c>clientConfig.url</c> is that URL, or for a URL with path <c>/</c>, that URL plus one of the webhook's paths)
    /// get the CA bundle at start (the service account needs <c>get</c> and <c>patch</c> on exactly that object).
    /// </summary>
    /// <value><see langword="null"/>: none is written (the CA bundle is then put there by other means).</value>
    [MaxLengthSetting(253)]
    public string? WebhookConfigurationName { get; set; }

    /// <summary>
    /// Gets or sets how long the validators may take; past it the request is allowed with a warning that the check was
    /// skipped. Keep it below the configuration's <c>timeoutSeconds</c>.
    /// </summary>
    /// <value>2 seconds; allowed 10 ms–29 s.</value>
    [AdmissionRange("00:00:00.010", "00:00:29", "below the webhook's timeoutSeconds")]
    public TimeSpan ValidationTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
