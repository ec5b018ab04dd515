using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Selects the pods in the resource's namespace that consume a Secret named after the resource, from a pod cache.</summary>
/// <typeparam name="T">The resource type.</typeparam>
/// <remarks>
/// Reads only the cache: no LIST per error. With <c>indexName</c> set (see <see cref="PodSecretUsage.IndexName"/>), a lookup
/// costs one index read; without it, the namespace's cached pods are scanned. Secret volumes, projected volumes,
/// <c>env[].valueFrom.secretKeyRef</c> and <c>envFrom[].secretRef</c> count; a pod that does none of these is never selected.
/// Pods being deleted are skipped.
/// </remarks>
internal sealed class SecretConsumerPodSelector<T> : IAffectedPodSelector<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IResourceCache<V1Pod> pods;
    private readonly Func<T, string?> secretName;
    private readonly string? indexName;

    /// <summary>Initializes a new instance of the <see cref="SecretConsumerPodSelector{T}"/> class.</summary>
    /// <param name="pods">The pod cache (a pod watcher's).</param>
    /// <param name="secretName">The name of the Secret the resource produces; <see langword="null"/> or empty selects nothing.</param>
    /// <param name="indexName">The name of a pod index built with <see cref="PodSecretUsage.IndexValues"/>, or <see langword="null"/> to scan the namespace.</param>
    /// <exception cref="ArgumentNullException"><paramref name="pods"/> or <paramref name="secretName"/> is <see langword="null"/>.</exception>
    public SecretConsumerPodSelector(IResourceCache<V1Pod> pods, Func<T, string?> secretName, string? indexName = null)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(secretName);
        this.pods = pods;
        this.secretName = secretName;
        this.indexName = indexName;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(T resource, CancellationToken cancellationToken = default) =>
        CachedPodSelection.SelectAsync(pods, resource, this, static (self, r, @namespace) => self.Select(r, @namespace), cancellationToken);

    private List<V1Pod> Select(T resource, string? @namespace)
    {
        var secret = secretName(resource);
        if (string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(@namespace))
        {
            return [];
        }

        var candidates = indexName is null ? pods.List(@namespace) : pods.ListByIndex(indexName, PodSecretUsage.IndexValue(@namespace, secret));
        var selected = new List<V1Pod>();
        foreach (var pod in candidates)
        {
            if (CachedPodSelection.IsNotBeingDeleted(pod) && pod.Metadata?.NamespaceProperty == @namespace && PodSecretUsage.Consumes(pod, secret))
            {
                selected.Add(pod);
            }
        }

        return selected;
    }
}
