using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
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
/// <see cref="KubernetesEntityAttribute"/> (or its apiVersion and kind). Strategic merge patch is not used: custom
/// resources answer it with 415.
/// </remarks>
public sealed class ResourceConditionWriter : IResourceConditionWriter
{
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
    public async Task<bool> SetConditionAsync<T>(T resource, ResourceCondition condition, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(condition);
        if (!KubernetesNames.IsValidReason(condition.Type) || !KubernetesNames.IsValidReason(condition.Reason))
        {
            throw new ArgumentException($"Condition type and reason must be UpperCamelCase ASCII letters and digits, 1-128 characters (were '{condition.Type}', '{condition.Reason}').", nameof(condition));
        }

        var metadata = resource.Metadata;
        if (string.IsNullOrEmpty(metadata?.Name) || string.IsNullOrEmpty(metadata.NamespaceProperty))
        {
            throw new ArgumentException("The resource needs metadata.name and metadata.namespace.", nameof(resource));
        }

        var (group, version, plural, kind) = Describe(resource);
        var current = resource;
        for (var attempt = 1; ; attempt++)
        {
            var conditions = StatusConditions.Read(current);
            if (!StatusConditions.TryApply(conditions, condition, current.Metadata.Generation, timeProvider.GetUtcNow()))
            {
                return false;
            }

            // The whole list is sent: the resourceVersion precondition makes sure no condition written by someone else
            // since our copy was read is overwritten. On a conflict the status is read once more and the write retried.
            var body = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = current.Metadata.ResourceVersion },
                ["status"] = new JsonObject { ["conditions"] = conditions },
            };
            if (string.IsNullOrEmpty(current.Metadata.ResourceVersion))
            {
                body.Remove("metadata");
            }

            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), group, version, metadata.NamespaceProperty, plural, metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                Log.ConditionWriteFailed(logger, ex, condition.Type, kind, metadata.NamespaceProperty, metadata.Name, 404);
                return false;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Conflict && attempt == 1)
            {
                // Read the current object with a list selecting its name: the list permission every watcher of the type
                // already has, where a GET of the status subresource would need one more RBAC rule (get on <plural>/status).
                var fresh = await client.CustomObjects.ListNamespacedCustomObjectAsync<ItemList<T>>(
                    group, version, metadata.NamespaceProperty, plural, fieldSelector: "metadata.name=" + metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (fresh?.Items is not [{ } item])
                {
                    Log.ConditionWriteFailed(logger, ex, condition.Type, kind, metadata.NamespaceProperty, metadata.Name, 404);
                    return false;
                }

                current = item;
            }
            catch (HttpOperationException ex)
            {
                Log.ConditionWriteFailed(logger, ex, condition.Type, kind, metadata.NamespaceProperty, metadata.Name, (int)(ex.Response?.StatusCode ?? 0));
                throw;
            }
        }

        Log.ConditionWritten(logger, condition.Type, condition.Status, condition.Reason, kind, metadata.NamespaceProperty, metadata.Name);
        return true;
    }

    private static (string Group, string Version, string Plural, string Kind) Describe<T>(T resource)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var entity = resource.GetType().GetCustomAttribute<KubernetesEntityAttribute>();
        if (entity is not null && !string.IsNullOrEmpty(entity.PluralName))
        {
            return (entity.Group, entity.ApiVersion, entity.PluralName, entity.Kind);
        }

        var apiVersion = resource.ApiVersion ?? throw new ArgumentException($"{resource.GetType().Name} has neither [KubernetesEntity] with PluralName nor an apiVersion.", nameof(resource));
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var kind = resource.Kind ?? throw new ArgumentException($"{resource.GetType().Name} has neither [KubernetesEntity] with PluralName nor a kind.", nameof(resource));
#pragma warning disable CA1308 // Kubernetes plurals are lowercase.
        var plural = kind.ToLowerInvariant() + "s";
#pragma warning restore CA1308
        return slash < 0 ? (string.Empty, apiVersion, plural, kind) : (apiVersion[..slash], apiVersion[(slash + 1)..], plural, kind);
    }
}

/// <summary>The items of a list response (<c>{"items":[...]}</c>), for a list of a custom resource type.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class ItemList<T>
{
    [System.Text.Json.Serialization.JsonPropertyName("items")]
    public IList<T>? Items { get; set; }
}
