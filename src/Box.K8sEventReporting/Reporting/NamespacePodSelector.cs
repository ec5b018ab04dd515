using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Selects every cached pod in the resource's namespace (the original controller's behaviour).</summary>
/// <typeparam name="T">The resource type.</typeparam>
/// <remarks>Reports reach pods that have nothing to do with the resource; prefer <see cref="SecretConsumerPodSelector{T}"/>.</remarks>
internal sealed class NamespacePodSelector<T> : IAffectedPodSelector<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IResourceCache<V1Pod> pods;

    /// <summary>Initializes a new instance of the <see cref="NamespacePodSelector{T}"/> class.</summary>
    /// <param name="pods">The pod cache.</param>
    /// <exception cref="ArgumentNullException"><paramref name="pods"/> is <see langword="null"/>.</exception>
    public NamespacePodSelector(IResourceCache<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        this.pods = pods;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(T resource, CancellationToken cancellationToken = default) =>
        CachedPodSelection.SelectAsync(pods, resource, pods, static (pods, _, @namespace) => Select(pods, @namespace), cancellationToken);

    private static List<V1Pod> Select(IResourceCache<V1Pod> pods, string? @namespace) =>
        string.IsNullOrEmpty(@namespace) ? [] : pods.List(@namespace).Where(CachedPodSelection.IsNotBeingDeleted).ToList();
}
