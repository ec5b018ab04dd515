using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Diagnostics;

namespace Box.K8sEventReporting.Admission;

/// <summary>The admission webhook's instruments, on the library's meter (<see cref="K8sEventReportingDiagnostics.Name"/>) from the application's <see cref="IMeterFactory"/>.</summary>
internal sealed class AdmissionMetrics
{
    private readonly Counter<long> _reviews;
    private readonly Counter<long> _caBundleWrites;
    private readonly Counter<long> _certificatesIssued;

    public AdmissionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(new MeterOptions(K8sEventReportingDiagnostics.Name));
        _reviews = meter.CreateCounter<long>(
            "k8s_event_reporting.admission.reviews", "{review}", "Admission requests answered, by result: allowed, warned, denied, skipped, not_validated, bad_request.");
        _caBundleWrites = meter.CreateCounter<long>(
            "k8s_event_reporting.admission.ca_bundle_writes", "{write}", "Attempts to write the CA bundle into the webhook configuration, by result: patched, unchanged, not_found, failed.");
        _certificatesIssued = meter.CreateCounter<long>(
            "k8s_event_reporting.admission.certificates_issued", "{certificate}", "Serving certificates issued (at start and on each renewal).");
    }

    public void Reviewed(string result) => _reviews.Add(1, new KeyValuePair<string, object?>("result", result));

    public void CaBundleWritten(string result) => _caBundleWrites.Add(1, new KeyValuePair<string, object?>("result", result));

    public void CertificateIssued() => _certificatesIssued.Add(1);
}
