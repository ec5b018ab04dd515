using System.Text.Json.Nodes;
using Box.K8sEventReporting.Reporting;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Testing;

/// <summary>
/// An <see cref="IResourceConditionWriter"/> that keeps the conditions it is asked to set, per resource and type, like the
/// status subresource would: setting the same condition again writes nothing.
/// </summary>
public sealed class FakeResourceConditionWriter : IResourceConditionWriter
{
    private readonly Recording<WrittenCondition> _writes = new();
    private readonly object _gate = new();

    /// <summary>Gets every write, in order (a condition that already held is not written again).</summary>
    public IReadOnlyList<WrittenCondition> Writes => _writes.Entries;

    /// <inheritdoc/>
    public Task<bool> SetConditionAsync<T>(T resource, ResourceCondition condition, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Write(resource, condition, new Dictionary<string, JsonNode?>(), cancellationToken);

    /// <inheritdoc/>
    public Task<bool> SetStatusAsync<T>(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Write(resource, condition, fields.ToDictionary(f => f.Key, f => f.Value?.DeepClone()), cancellationToken);

    private Task<bool> Write<T>(T resource, ResourceCondition condition, Dictionary<string, JsonNode?> fields, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(condition);
        cancellationToken.ThrowIfCancellationRequested();
        var written = new WrittenCondition(
            resource.Kind ?? typeof(T).Name,
            resource.Metadata?.NamespaceProperty ?? string.Empty,
            resource.Metadata?.Name ?? string.Empty,
            resource.Metadata?.Generation,
            condition) { StatusFields = fields };
        lock (_gate)
        {
            if (fields.Count == 0 && Current(written.Namespace, written.Name, condition.Type) is { } current && current.Condition == condition && current.Generation == written.Generation)
            {
                return Task.FromResult(false);
            }

            _writes.Add(written);
        }

        return Task.FromResult(true);
    }

    /// <summary>Gets the condition of type <paramref name="type"/> last set on a resource.</summary>
    /// <param name="namespace">The resource's namespace.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="type">The condition type, for example <c>Ready</c>.</param>
    /// <returns>The last write of that condition, or <see langword="null"/>.</returns>
    public WrittenCondition? Current(string @namespace, string name, string type = "Ready") =>
        Writes.LastOrDefault(w => w.Namespace == @namespace && w.Name == name && w.Condition.Type == type);

    /// <summary>Asserts the current condition of a resource.</summary>
    /// <param name="namespace">The resource's namespace.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="status">The expected status.</param>
    /// <param name="reason">The expected reason, or <see langword="null"/> for any.</param>
    /// <param name="type">The condition type.</param>
    /// <returns>The current condition.</returns>
    /// <exception cref="FakeAssertionException">The condition is not set, or differs.</exception>
    public WrittenCondition AssertCondition(string @namespace, string name, ConditionStatus status, string? reason = null, string type = "Ready")
    {
        var current = Current(@namespace, name, type);
        return current is not null && current.Condition.Status == status && (reason is null || current.Condition.Reason == reason)
            ? current
            : throw new FakeAssertionException(
                $"Expected condition {type}={status}{(reason is null ? string.Empty : " " + reason)} on '{@namespace}/{name}'; it is {(current is null ? "not set" : current.ToString())}.");
    }

    /// <summary>Waits until a write matching <paramref name="match"/> is made (or was already).</summary>
    /// <param name="match">The condition.</param>
    /// <param name="timeout">How long to wait before failing.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The first matching write.</returns>
    /// <exception cref="FakeAssertionException">No matching write within <paramref name="timeout"/>.</exception>
    public Task<WrittenCondition> WaitForConditionAsync(Func<WrittenCondition, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _writes.WaitForAsync(match, timeout, writes => $"No matching condition within {timeout}; written: {(writes.Count == 0 ? "nothing" : string.Join("; ", writes))}.", cancellationToken);
}
