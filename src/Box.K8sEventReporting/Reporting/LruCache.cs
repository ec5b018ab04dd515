namespace Box.K8sEventReporting.Reporting;

/// <summary>A size-bounded map that evicts the least recently used entry. Not thread-safe.</summary>
internal sealed class LruCache<TKey, TValue>
    where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<KeyValuePair<TKey, TValue>>> map;
    private readonly LinkedList<KeyValuePair<TKey, TValue>> order = new();
    private readonly Action<TKey, TValue>? onEvicted;

    public LruCache(int capacity, Action<TKey, TValue>? onEvicted = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        map = new Dictionary<TKey, LinkedListNode<KeyValuePair<TKey, TValue>>>(Math.Min(capacity, 1024));
        this.onEvicted = onEvicted;
    }

    public int Capacity { get; }

    public int Count => map.Count;

    public bool TryGetValue(TKey key, out TValue value)
    {
        if (map.TryGetValue(key, out var node))
        {
            if (node != order.First)
            {
                order.Remove(node);
                order.AddFirst(node);
            }

            value = node.Value.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (map.TryGetValue(key, out var node))
        {
            node.Value = new KeyValuePair<TKey, TValue>(key, value);
            order.Remove(node);
            order.AddFirst(node);
            return;
        }

        if (map.Count >= Capacity)
        {
            var last = order.Last!;
            order.RemoveLast();
            map.Remove(last.Value.Key);
            onEvicted?.Invoke(last.Value.Key, last.Value.Value);
        }

        map[key] = order.AddFirst(new KeyValuePair<TKey, TValue>(key, value));
    }

    public bool Remove(TKey key)
    {
        if (!map.Remove(key, out var node))
        {
            return false;
        }

        order.Remove(node);
        return true;
    }
}
