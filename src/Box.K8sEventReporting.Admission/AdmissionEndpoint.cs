using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Admission;

/// <summary>The endpoint of <typeparamref name="T"/>: its reviewer, built on first use (after the options were validated at start).</summary>
internal sealed class AdmissionEndpoint<T>(Lazy<AdmissionReviewer<T>> reviewer, string path) : IAdmissionEndpoint
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public string Path => path;

    public Task<AdmissionAnswer> ReviewAsync(AdmissionRequest request, CancellationToken cancellationToken) =>
        reviewer.Value.ReviewAsync(request, cancellationToken);
}
