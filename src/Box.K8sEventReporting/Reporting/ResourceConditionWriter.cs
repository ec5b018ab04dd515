using System.Net;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.Primitives;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Writes status conditions through the status subresource with a JSON merge patch of the full conditions list.</summary>
/// <remarks>
/// After a 409 Conflict the object is read again with a list selecting its name (no GET, so no extra RBAC rule) and the
/// write is retried once. The list is computed from the resource's current <c>status.conditions</c>: other condition types are kept, the one set
/// gets <c>observedGeneration</c> = <c>metadata.generation</c>, and <c>lastTransitionTime</c> changes only when its status
/// flips. Nothing is written when the condition already holds. Group, version and plural come from the type's
/// <see cref="KubernetesEntityAttribute"/> (<see cref="KubernetesEntityMetadata"/>). Strategic merge patch is not
/// used: custom resources answer it with 415.
/// </remarks>
internal sealed class ResourceConditionWriter : IResourceConditionWriter, IRawResourceConditionWriter
{
    private static readonly IReadOnlyDictionary<string, JsonNode?> NoFields = new Dictionary<string, JsonNode?>();
    private readonly IKubernetes client;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;

    /// <summary>Initializes a new instance of the <see cref="ResourceConditionWriter"/> class.</summary>
    /// <param name="client">The Kubernetes client.</param>
    /// <param name="logger">The logger; optional.</param>
    /// <param name="timeProvider">The clock for <c>lastTransitionTime</c>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    public ResourceConditionWriter(IKubernetes client, ILogger<ResourceConditionWriter>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        this.client = client;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The condition's type or reason is not UpperCamelCase, or the resource has no name or namespace.</exception>
    /// <exception cref="HttpOperationException">The API server refused the write (other than 404, which returns <see langword="false"/>).</exception>
    public Task<bool> SetConditionAsync<T>(T resource, ResourceCondition condition, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SetStatusAsync(resource, condition, NoFields, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> SetStatusAsync<T>(T resource, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(fields);
        ValidateCondition(condition);
        var metadata = resource.Metadata;
        if (string.IsNullOrEmpty(metadata?.Name) || string.IsNullOrEmpty(metadata.NamespaceProperty))
        {
            throw new ArgumentException("The resource needs metadata.name and metadata.namespace.", nameof(resource));
        }

        var target = Describe(resource.GetType(), metadata.NamespaceProperty, metadata.Name);
        return await PatchConditionsAsync(
            target,
            condition,
            fields,
            Snapshot.Of(resource),
            async ct =>
            {
                // Read the current object with a list selecting its name: the list permission every watcher of the type
                // already has, where a GET of the status subresource would need one more RBAC rule (get on <plural>/status).
                var fresh = await client.CustomObjects.ListNamespacedCustomObjectAsync<ItemList<T>>(
                    target.Group, target.Version, target.Namespace, target.Plural, fieldSelector: "metadata.name=" + target.Name, cancellationToken: ct).ConfigureAwait(false);
                return fresh?.Items is [{ } item] ? Snapshot.Of(item) : null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    async Task<bool> IRawResourceConditionWriter.SetConditionAsync(Type resourceType, string @namespace, string name, string rawJson, ResourceCondition condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(condition);
        ValidateCondition(condition);
        JsonNode? raw;
        try
        {
            raw = JsonNode.Parse(rawJson ?? string.Empty);
        }
        catch (System.Text.Json.JsonException)
        {
            raw = null;   // truncated or not JSON: no resourceVersion precondition, no existing conditions
        }

        var target = Describe(resourceType, @namespace, name);

        // A conflict is not retried: the change that caused it arrives as a new watch event, which is reported again.
        return await PatchConditionsAsync(target, condition, NoFields, Snapshot.Of(raw), _ => Task.FromResult<Snapshot?>(null), cancellationToken).ConfigureAwait(false);
    }

    private static void ValidateCondition(ResourceCondition condition)
    {
        if (!KubernetesNames.IsValidReason(condition.Type) || !KubernetesNames.IsValidReason(condition.Reason))
        {
            throw new ArgumentException($"Condition type and reason must be UpperCamelCase ASCII letters and digits, 1-128 characters (were '{condition.Type}', '{condition.Reason}').", nameof(condition));
        }
    }

    private async Task<bool> PatchConditionsAsync(
        Target target, ResourceCondition condition, IReadOnlyDictionary<string, JsonNode?> fields, Snapshot current, Func<CancellationToken, Task<Snapshot?>> reread, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var conditions = current.Conditions;
            var conditionChanged = StatusConditions.TryApply(conditions, condition, current.Generation, timeProvider.GetUtcNow());
            if (!conditionChanged && !StatusConditions.FieldsDiffer(current.Status, fields))
            {
                return false;
            }

            // The whole list is sent: the resourceVersion precondition makes sure no condition written by someone else
            // since our copy was read is overwritten. On a conflict the status is read once more and the write retried.
            // Other status fields ride in the same patch: one write per reconcile, not one per field.
            var status = new JsonObject { ["conditions"] = conditions };
            foreach (var (name, value) in fields)
            {
                status[name] = value?.DeepClone();
            }

            var body = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = current.ResourceVersion },
                ["status"] = status,
            };
            if (string.IsNullOrEmpty(current.ResourceVersion))
            {
                body.Remove("metadata");
            }

            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), target.Group, target.Version, target.Namespace, target.Plural, target.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                Log.ConditionWriteFailed(logger, ex, condition.Type, target.Kind, target.Namespace, target.Name, 404);
                return false;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Conflict && attempt == 1)
            {
                if (await reread(cancellationToken).ConfigureAwait(false) is not { } fresh)
                {
                    Log.ConditionWriteFailed(logger, ex, condition.Type, target.Kind, target.Namespace, target.Name, 409);
                    return false;
                }

                current = fresh;
            }
            catch (HttpOperationException ex)
            {
                Log.ConditionWriteFailed(logger, ex, condition.Type, target.Kind, target.Namespace, target.Name, (int)(ex.Response?.StatusCode ?? 0));
                throw;
            }
        }

        Log.ConditionWritten(logger, condition.Type, condition.Status, condition.Reason, target.Kind, target.Namespace, target.Name);
        return true;
    }

    private static Target Describe(Type type, string @namespace, string name)
    {
        // The plural cannot be derived from the kind (Policy -> policies, Endpoints -> endpoints): without the
        // attribute's PluralName a guessed path would 404, so the type must say it.
        var entity = KubernetesEntityMetadata.TryOf(type, out var metadata)
            ? metadata
            : throw new ArgumentException($"{type.Name} has no [KubernetesEntity] with Group, ApiVersion, Kind and PluralName: add one so that the status path is known.", nameof(type));
        return new Target(entity.Group, entity.Version, entity.Plural, entity.Kind, @namespace, name);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>Where the condition goes.</summary>
    private readonly record struct Target(string Group, string Version, string Plural, string Kind, string Namespace, string Name);

    /// <summary>What a write starts from: the object's status (and its conditions), generation and resourceVersion.</summary>
    private sealed record Snapshot(JsonObject? Status, JsonArray Conditions, long? Generation, string? ResourceVersion)
    {
        public static Snapshot Of<T>(T resource)
            where T : IKubernetesObject<V1ObjectMeta>
        {
            var status = StatusConditions.ReadStatus(resource);
            return new(status, StatusConditions.ConditionsOf(status), resource.Metadata.Generation, resource.Metadata.ResourceVersion);
        }

        public static Snapshot Of(JsonNode? raw)
        {
            var status = raw?["status"] as JsonObject;
            return new(
                status,
                StatusConditions.ConditionsOf(status),
                raw?["metadata"]?["generation"] is JsonValue g && g.TryGetValue<long>(out var generation) ? generation : null,
                Text(raw?["metadata"]?["resourceVersion"]));
        }
    }
}

/// <summary>The items of a list response (<c>{"items":[...]}</c>), for a list of a custom resource type.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class ItemList<T>
{
    [System.Text.Json.Serialization.JsonPropertyName("items")]
    public IList<T>? Items { get; set; }
}
