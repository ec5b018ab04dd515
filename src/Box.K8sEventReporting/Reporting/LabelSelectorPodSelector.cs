using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Selects the cached pods in the resource's namespace whose labels contain every label of a selector taken from the resource.</summary>
/// <typeparam name="T">The resource type.</typeparam>
internal sealed class LabelSelectorPodSelector<T> : IAffectedPodSelector<T>
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
    public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(T resource, CancellationToken cancellationToken = default) =>
        CachedPodSelection.SelectAsync(pods, resource, this, static (self, r, @namespace) => self.Select(r, @namespace), cancellationToken);

    private List<V1Pod> Select(T resource, string? @namespace)
    {
        var selector = matchLabels(resource);
        if (selector is null || selector.Count == 0 || string.IsNullOrEmpty(@namespace))
        {
            return [];
        }

        return pods.List(@namespace)
            .Where(p => CachedPodSelection.IsNotBeingDeleted(p) && Matches(p.Metadata?.Labels, selector))
            .ToList();
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
