using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Diagnostics;

namespace Box.K8sEventReporting.Admission;

/// <summary>The admission webhook's instruments on the library's meter (<see cref="K8sEventReportingDiagnostics.Name"/>).</summary>
internal static class AdmissionMetrics
{
    private static readonly Counter<long> Reviews = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.admission.reviews", "{review}", "Admission requests answered, by result: allowed, warned, denied, skipped, not_validated, bad_request.");

    private static readonly Counter<long> CaBundlePatches = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.admission.ca_bundle_writes", "{write}", "Attempts to write the CA bundle into the webhook configuration, by result: patched, unchanged, not_found, failed.");

    private static readonly Counter<long> CertificatesIssued = K8sEventReportingDiagnostics.Meter.CreateCounter<long>(
        "k8s_event_reporting.admission.certificates_issued", "{certificate}", "Serving certificates issued (at start and on each renewal).");

    public static void Reviewed(string result) => Reviews.Add(1, new KeyValuePair<string, object?>("result", result));

    public static void CaBundleWritten(string result) => CaBundlePatches.Add(1, new KeyValuePair<string, object?>("result", result));

    public static void CertificateIssued() => CertificatesIssued.Add(1);
}
