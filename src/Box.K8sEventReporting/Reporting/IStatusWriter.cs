using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Where a report's status goes: written now, or queued to be written in the background.</summary>
/// <typeparam name="T">The resource type.</typeparam>
internal interface IStatusWriter<in T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Writes (or queues) <paramref name="condition"/> and <paramref name="fields"/> for <paramref name="resource"/>.</summary>
    /// <returns>A task that completes once the status is written or queued.</returns>
    Task WriteAsync(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken);
}

/// <summary>Writes the status before the report returns: for a reporter used on its own, without a controller.</summary>
internal sealed class DirectStatusWriter<T>(IResourceConditionWriter writer) : IStatusWriter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public Task WriteAsync(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken) =>
        Write(writer, resource, condition, fields, cancellationToken);

    /// <summary>A condition alone through <see cref="IResourceConditionWriter.SetConditionAsync"/>; with fields, in the same write.</summary>
    internal static Task<bool> Write(IResourceConditionWriter writer, T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken) =>
        fields.Count == 0
            ? writer.SetConditionAsync(resource, condition, cancellationToken)
            : writer.SetStatusAsync(resource, condition, fields, cancellationToken);
}
