using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// A queued key whose object could not be decoded: it is reported (not reconciled) once; a report abandoned by the end of
/// the leader term goes back to the queue so that the next term reports it, and a report that fails is logged, not retried.
/// </summary>
internal sealed class DecodeFailureReport<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly PrimarySource<T> primary;
    private readonly Func<ResourceDecodeFailure, CancellationToken, ValueTask>? report;
    private readonly ILogger logger;
    private readonly string kind;

    public DecodeFailureReport(PrimarySource<T> primary, Func<ResourceDecodeFailure, CancellationToken, ValueTask>? report, ILogger logger, string kind)
    {
        this.primary = primary;
        this.report = report;
        this.logger = logger;
        this.kind = kind;
    }

    /// <summary>Reports the key's decode failure, if it has one; false when the key is an object to reconcile.</summary>
    public async ValueTask<bool> TryReportAsync(ResourceKey key, WorkQueue queue, CancellationToken cancellationToken)
    {
        if (primary.TakeDecodeFailure(key) is not { } failure)
        {
            return false;
        }

        if (report is null)
        {
            return true;
        }

        try
        {
            await report(failure, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            primary.ReturnDecodeFailure(key, failure, queue);   // the next leader term reports it
        }
        catch (Exception ex)
        {
            Log.ReportFailed(logger, ex, kind, failure.Namespace, failure.Name);
        }

        return true;
    }
}
