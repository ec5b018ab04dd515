using Box.K8sEventReporting.Primitives;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// What every decoded object goes through before the cache holds it: its apiVersion and kind filled in (list items have
/// none), managedFields dropped when asked, and the application's transform (a failing transform keeps the object as it is).
/// </summary>
internal sealed class ResourcePreparation<T>(KubernetesEntityMetadata resource, CustomResourceWatcherOptions options, ILogger logger, WatcherMetrics? metrics)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly bool stripManagedFields = options.StripManagedFields;
    private readonly Func<object, object>? transform = options.Transform;

    public T Prepare(T obj)
    {
        obj.ApiVersion ??= resource.ApiVersion;
        obj.Kind ??= resource.Kind;
        if (stripManagedFields)
        {
            obj.Metadata.ManagedFields = null;
        }

        if (transform is null)
        {
            return obj;
        }

        try
        {
            if (transform(obj) is T transformed && transformed.Metadata?.Name == obj.Metadata.Name)
            {
                return transformed;
            }

            throw new InvalidOperationException($"The transform must return a {typeof(T).Name} with the same metadata.name.");
        }
#pragma warning disable CA1031 // A user's transform must not break the watch.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.TransformFailed(logger, ex, resource.Kind, obj.Metadata.NamespaceProperty, obj.Metadata.Name);
            metrics?.TransformFailures.Add(1, new KeyValuePair<string, object?>("kind", resource.Kind));
            return obj;
        }
    }
}
