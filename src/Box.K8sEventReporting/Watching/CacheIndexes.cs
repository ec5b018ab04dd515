using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// The cache's custom indexes: for each, the keys of the objects that map to each value, kept up to date as objects are
/// set and removed. A failing index function costs that object its entries (reported), never the cache.
/// </summary>
/// <remarks>Used under the cache's lock only.</remarks>
internal sealed class CacheIndexes<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Dictionary<string, IndexState> indexes = new(StringComparer.Ordinal);
    private readonly Action<string, T, Exception> onIndexError;

    public CacheIndexes(IEnumerable<CustomResourceWatcherOptions.IndexRegistration> registrations, Action<string, T, Exception> onIndexError)
    {
        foreach (var registration in registrations)
        {
            indexes.Add(registration.Name, new IndexState(registration.IndexFunc));
        }

        this.onIndexError = onIndexError;
    }

    /// <summary>Gets the keys of the objects <paramref name="indexName"/> maps to <paramref name="value"/>, or <see langword="null"/>.</summary>
    /// <exception cref="ArgumentException">No index of that name is registered.</exception>
    public HashSet<ResourceKey>? Keys(string indexName, string value)
    {
        if (!indexes.TryGetValue(indexName, out var index))
        {
            throw new ArgumentException(
                $"No index named '{indexName}' is registered; register it with CustomResourceWatcherOptions.AddIndex (registered: {string.Join(", ", indexes.Keys)}).",
                nameof(indexName));
        }

        return index.Map.TryGetValue(value, out var keys) ? keys : null;
    }

    /// <summary>Moves <paramref name="key"/> from the values of <paramref name="old"/> to those of <paramref name="current"/>.</summary>
    public void Update(ResourceKey key, T? old, T? current)
    {
        foreach (var (name, index) in indexes)
        {
            if (old is not null)
            {
                index.Remove(key, Values(name, index, old));
            }

            if (current is not null)
            {
                index.Add(key, Values(name, index, current));
            }
        }
    }

    private string[] Values(string indexName, IndexState index, T obj)
    {
        try
        {
            // Materialised once so that a lazy index function runs (and can fail) here, not while the index is updated.
            return index.Func(obj)?.Where(v => v is not null).Distinct(StringComparer.Ordinal).ToArray() ?? [];
        }
#pragma warning disable CA1031 // A user's index function must not break the cache.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            onIndexError(indexName, obj, ex);
            return [];
        }
    }

    private sealed class IndexState(Func<object, IEnumerable<string>> func)
    {
        public Func<object, IEnumerable<string>> Func { get; } = func;

        public Dictionary<string, HashSet<ResourceKey>> Map { get; } = new(StringComparer.Ordinal);

        public void Add(ResourceKey key, IEnumerable<string> values)
        {
            foreach (var value in values)
            {
                if (!Map.TryGetValue(value, out var keys))
                {
                    keys = [];
                    Map.Add(value, keys);
                }

                keys.Add(key);
            }
        }

        public void Remove(ResourceKey key, IEnumerable<string> values)
        {
            foreach (var value in values)
            {
                if (Map.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    Map.Remove(value);
                }
            }
        }
    }
}
