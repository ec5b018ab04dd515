using System.Text.Json.Nodes;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// A controller's status writes, off the reconcile's critical path: each report's status is posted to the
/// <see cref="StatusWriteQueue"/> (coalesced per resource, written when the controllers are quiet, retried) and written
/// from the resource as the cache holds it at that time.
/// </summary>
/// <typeparam name="T">The resource type.</typeparam>
internal sealed class QueuedStatusWriter<T>(StatusWriteQueue queue, IResourceConditionWriter writer, IResourceCache<T>? cache) : IStatusWriter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public Task WriteAsync(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken)
    {
        queue.Post(new PendingStatus(this, resource, condition, fields));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Writes from the resource as the cache holds it now, read just before the write: it starts from its latest
    /// resourceVersion, so it does not conflict with a write made meanwhile. Deleted, re-created, or changed in its spec
    /// since the report: nothing is written; the reconcile of what is there now writes its own status (with its own
    /// observedGeneration), and this one would describe the past.
    /// </summary>
    private Task WriteLatestAsync(T reported, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken)
    {
        var latest = cache is null ? reported : cache.Get(reported.Metadata.NamespaceProperty, reported.Metadata.Name);
        return latest is null || !SameObject(latest, reported) || latest.Metadata.Generation != reported.Metadata.Generation
            ? Task.CompletedTask
            : DirectStatusWriter<T>.Write(writer, latest, condition, fields, cancellationToken);
    }

    private static bool SameObject(T a, T b) => a.Metadata.Uid == b.Metadata.Uid;

    /// <summary>The condition and status fields of one report, waiting in the <see cref="StatusWriteQueue"/>.</summary>
    private sealed class PendingStatus(QueuedStatusWriter<T> owner, T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> status)
        : IPendingStatusWrite
    {
        // The CLR type, not the Kind: the queue is shared by every resource type, and two groups may use one Kind.
        public string Key { get; } = $"{typeof(T).FullName} {resource.Metadata.NamespaceProperty}/{resource.Metadata.Name}";

        private T Resource => resource;

        private IReadOnlyDictionary<string, JsonNode?> Status => status;

        public IPendingStatusWrite Absorb(IPendingStatusWrite older)
        {
            if (older is not PendingStatus { Status.Count: > 0 } previous || !SameObject(previous.Resource, resource))
            {
                return this;
            }

            // Fields only the older report set are kept: each was asked for once and must not be lost to coalescing.
            var merged = new Dictionary<string, JsonNode?>(previous.Status, StringComparer.Ordinal);
            foreach (var (name, value) in status)
            {
                merged[name] = value;
            }

            return new PendingStatus(owner, resource, condition, merged);
        }

        public Task WriteAsync(CancellationToken cancellationToken) => owner.WriteLatestAsync(resource, condition, status, cancellationToken);
    }
}
