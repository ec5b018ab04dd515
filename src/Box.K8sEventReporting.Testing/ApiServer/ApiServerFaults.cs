using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// Faults to inject into an <see cref="InProcessApiServer"/>: failed requests, delays, and broken, frozen or closed watches.
/// </summary>
/// <remarks>Thread-safe. <see cref="Reset"/> removes every pending fault and unfreezes watches.</remarks>
public sealed class ApiServerFaults
{
    private readonly object gate = new();
    private readonly List<FailureRule> failures = [];
    private readonly List<DelayRule> delays = [];
    private readonly ClusterState cluster;
    private TaskCompletionSource? frozen;

    internal ApiServerFaults(ClusterState cluster) => this.cluster = cluster;

    /// <summary>Gets a value indicating whether watches are frozen (see <see cref="FreezeWatches"/>).</summary>
    public bool AreWatchesFrozen => Volatile.Read(ref frozen) is not null;

    /// <summary>Ends every open watch stream cleanly, as when the server drops watches; clients must re-watch.</summary>
    public void CloseAllWatches() => cluster.ForEachWatch(w => cluster.CloseWatch(w));

    /// <summary>Forgets the change history: watches and consistent lists from any earlier resourceVersion now answer 410 Expired.</summary>
    public void CompactHistory() => cluster.CompactHistory();

    /// <summary>Sends an ERROR event holding <paramref name="status"/> into every open watch, which then ends (as the real server does after an error).</summary>
    /// <param name="status">The Status to send, for example a 410 Expired or a 500.</param>
    public void SendErrorToWatches(V1Status status)
    {
        ArgumentNullException.ThrowIfNull(status);
        // V1Status has a read-only converter in KubernetesClient, so it is written field by field.
        var node = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = status.Status ?? "Failure",
        };
        if (status.Message is not null)
        {
            node["message"] = status.Message;
        }

        if (status.Reason is not null)
        {
            node["reason"] = status.Reason;
        }

        if (status.Details is not null)
        {
            node["details"] = JsonNode.Parse(KubernetesJson.Serialize(status.Details));
        }

        if (status.Code is not null)
        {
            node["code"] = status.Code;
        }

        var body = Json.Serialize(node);
        cluster.ForEachWatch(w =>
        {
            w.Enqueue(new WatchItem(WatchItemKind.Error, Raw: body));
            cluster.CloseWatch(w);
        });
    }

    /// <summary>Writes <paramref name="raw"/> as-is into every open watch stream (garbage, half a JSON line, ...).</summary>
    /// <param name="raw">The text to write; no newline is added.</param>
    public void InjectRawIntoWatches(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var bytes = Encoding.UTF8.GetBytes(raw);
        cluster.ForEachWatch(w => w.Enqueue(new WatchItem(WatchItemKind.Raw, Raw: bytes)));
    }

    /// <summary>Answers the next <paramref name="count"/> matching requests with a Status of <paramref name="statusCode"/> instead of handling them.</summary>
    /// <param name="count">How many requests to fail.</param>
    /// <param name="pathContains">Only requests whose path contains this (ordinal); null or empty matches all.</param>
    /// <param name="statusCode">The HTTP status, for example 429, 500, 503 or 504.</param>
    /// <param name="retryAfter">When set, a <c>Retry-After</c> header (whole seconds) and <c>details.retryAfterSeconds</c>.</param>
    /// <param name="verb">Only this Kubernetes verb (<c>list</c>, <c>watch</c>, <c>create</c>, ...) or HTTP method; null matches all.</param>
    public void FailNext(int count, string? pathContains, int statusCode, TimeSpan? retryAfter = null, string? verb = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        lock (gate)
        {
            failures.Add(new FailureRule(pathContains, verb, statusCode, retryAfter) { Remaining = count });
        }
    }

    /// <summary>Delays every matching request by <paramref name="delay"/> (measured on the server's <see cref="TimeProvider"/>) until <see cref="Reset"/>.</summary>
    /// <param name="delay">How long to hold each request before handling it.</param>
    /// <param name="pathContains">Only requests whose path contains this (ordinal); null or empty matches all.</param>
    /// <param name="verb">Only this Kubernetes verb or HTTP method; null matches all.</param>
    public void Delay(TimeSpan delay, string? pathContains = null, string? verb = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (gate)
        {
            delays.Add(new DelayRule(pathContains, verb, delay));
        }
    }

    /// <summary>Stops delivering watch events while keeping every watch connection open: a half-open watch. Timeouts do not end frozen watches.</summary>
    public void FreezeWatches()
    {
        Interlocked.CompareExchange(ref frozen, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
    }

    /// <summary>Delivers everything held back by <see cref="FreezeWatches"/> and resumes normal delivery.</summary>
    public void UnfreezeWatches() => Interlocked.Exchange(ref frozen, null)?.TrySetResult();

    /// <summary>Removes pending failures and delays and unfreezes watches.</summary>
    public void Reset()
    {
        lock (gate)
        {
            failures.Clear();
            delays.Clear();
        }

        UnfreezeWatches();
    }

    internal Task WaitWhileFrozenAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref frozen) is { } tcs ? tcs.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    internal (int StatusCode, TimeSpan? RetryAfter)? TakeFailure(string method, string verb, string path)
    {
        lock (gate)
        {
            foreach (var rule in failures)
            {
                if (rule.Remaining > 0 && Matches(rule.PathContains, rule.Verb, method, verb, path))
                {
                    rule.Remaining--;
                    if (rule.Remaining == 0)
                    {
                        failures.Remove(rule);
                    }

                    return (rule.StatusCode, rule.RetryAfter);
                }
            }
        }

        return null;
    }

    internal TimeSpan DelayFor(string method, string verb, string path)
    {
        var total = TimeSpan.Zero;
        lock (gate)
        {
            foreach (var rule in delays)
            {
                if (Matches(rule.PathContains, rule.Verb, method, verb, path))
                {
                    total += rule.Delay;
                }
            }
        }

        return total;
    }

    private static bool Matches(string? pathContains, string? ruleVerb, string method, string verb, string path) =>
        (string.IsNullOrEmpty(pathContains) || path.Contains(pathContains, StringComparison.Ordinal))
        && (string.IsNullOrEmpty(ruleVerb) || string.Equals(ruleVerb, verb, StringComparison.OrdinalIgnoreCase) || string.Equals(ruleVerb, method, StringComparison.OrdinalIgnoreCase));

    private sealed record FailureRule(string? PathContains, string? Verb, int StatusCode, TimeSpan? RetryAfter)
    {
        public int Remaining { get; set; }
    }

    private sealed record DelayRule(string? PathContains, string? Verb, TimeSpan Delay);
}
