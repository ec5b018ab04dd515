using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// Reports validation failures as Warning Events on the pods that the affected-pod selectors find, one per failure.
/// </summary>
internal sealed class PodEventReconcileReporter<T>(IPodEventReporter podEventReporter, IEnumerable<IAffectedPodSelector<T>> podSelectors)
    : IReconcileReporter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IAffectedPodSelector<T>[] _podSelectors = [.. podSelectors];

    public async ValueTask ReportInvalidAsync(T resource, ValidationResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (var selector in _podSelectors)
        {
            var pods = await selector.SelectPodsAsync(resource, cancellationToken).ConfigureAwait(false);
            foreach (var pod in pods)
            {
                foreach (var failure in result.Failures)
                {
                    await podEventReporter.ReportAsync(pod, EventReport.Warning(failure.Reason, failure.Message), cancellationToken)
                        .ConfigureAwait(false);
                }
            }
        }
    }

    public ValueTask ReportValidAsync(T resource, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask ReportReconcileErrorAsync(T resource, Exception error, bool isTerminal, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    public ValueTask ReportDecodeFailureAsync(ResourceDecodeFailure failure, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;
}
