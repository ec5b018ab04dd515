using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// How a list-watch loop tells about failing lists: one Warning per failure with how long the API server has been
/// unreachable, a type the server does not serve (a CRD not installed) said once rather than at every retry, and the
/// problem handed to the loop's target until a list succeeds.
/// </summary>
internal sealed class ListFailureReport<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IListWatchTarget<T> target;
    private readonly string kind;
    private readonly string scope;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private long? failingSince;
    private string? lastNotFound;

    public ListFailureReport(IListWatchTarget<T> target, string kind, string scope, TimeProvider timeProvider, ILogger logger)
    {
        this.target = target;
        this.kind = kind;
        this.scope = scope;
        this.timeProvider = timeProvider;
        this.logger = logger;
    }

    /// <summary>A list succeeded: the streak of failures ends and the target's problem is cleared.</summary>
    public void Succeeded()
    {
        failingSince = null;
        lastNotFound = null;
        target.OnListProblem(null);
    }

    /// <summary>One Warning with the error's message and how long the API server has been unreachable; the stack at Debug.</summary>
    public void Failed(Exception error, TimeSpan delay)
    {
        var now = timeProvider.GetTimestamp();
        failingSince ??= now;
        var unreachable = timeProvider.GetElapsedTime(failingSince.Value, now);

        var notFound = error is KubernetesApiException { StatusCode: System.Net.HttpStatusCode.NotFound } ? error.Message : null;
        var repeated = notFound is not null && notFound == lastNotFound;
        lastNotFound = notFound;
        if (!repeated)
        {
            Log.ListFailed(logger, kind, scope, error.Message, unreachable, delay);
        }

        Log.ListFailedDetail(logger, error, kind, scope);
        target.OnListProblem($"listing {kind} in {scope} has failed for {unreachable:hh\\:mm\\:ss}: {error.Message}");
    }
}
