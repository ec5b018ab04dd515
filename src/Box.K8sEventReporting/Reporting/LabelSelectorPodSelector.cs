using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Selects the cached pods in the resource's namespace whose labels contain every label of a selector taken from the resource.</summary>
/// <typeparam name="T">The resource type.</typeparam>
public sealed class LabelSelectorPodSelector<T> : IAffectedPodSelector<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IResourceCache<V1Pod> pods;
    private readonly Func<T, IReadOnlyDictionary<string, string>?> matchLabels;

    /// <summary>Initializes a new instance of the <see cref="LabelSelectorPodSelector{T}"/> class.</summary>
    /// <param name="pods">The pod cache.</param>
    /// <param name="matchLabels">The equality selector (<c>matchLabels</c>) of a resource; <see langword="null"/> or empty selects nothing, never every pod.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public LabelSelectorPodSelector(IResourceCache<V1Pod> pods, Func<T, IReadOnlyDictionary<string, string>?> matchLabels)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(matchLabels);
        this.pods = pods;
        this.matchLabels = matchLabels;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(T resource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        cancellationToken.ThrowIfCancellationRequested();
        if (!pods.HasSynced)
        {
            return WaitThenSelectAsync(resource, cancellationToken);
        }

        return ValueTask.FromResult<IReadOnlyList<V1Pod>>(Select(resource));
    }

    private async ValueTask<IReadOnlyList<V1Pod>> WaitThenSelectAsync(T resource, CancellationToken cancellationToken)
    {
        // Before the pod cache's first sync an empty answer would silently skip every pod.
        await pods.WaitForInitialSyncAsync(cancellationToken).ConfigureAwait(false);
        return Select(resource);
    }

    private List<V1Pod> Select(T resource)
    {
        var selector = matchLabels(resource);
        var @namespace = resource.Metadata?.NamespaceProperty;
        if (selector is null || selector.Count == 0 || string.IsNullOrEmpty(@namespace))
        {
            return [];
        }

        var selected = pods.List(@namespace)
            .Where(p => p.Metadata?.DeletionTimestamp is null && Matches(p.Metadata?.Labels, selector))
            .ToList();
        return selected;
    }

    private static bool Matches(IDictionary<string, string>? labels, IReadOnlyDictionary<string, string> selector)
    {
        if (labels is null)
        {
            return false;
        }

        foreach (var (key, value) in selector)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }
}
