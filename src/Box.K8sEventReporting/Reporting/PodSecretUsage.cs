using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Which Secrets a pod consumes, and a cache index over it.</summary>
/// <remarks>
/// A pod consumes a Secret through a <c>secret</c> volume, a <c>projected</c> volume source, an
/// <c>env[].valueFrom.secretKeyRef</c> or an <c>envFrom[].secretRef</c> of any container, init container or ephemeral container.
/// Register the index on the pod watcher with
/// <c>options.AddIndex&lt;V1Pod&gt;(PodSecretUsage.IndexName, PodSecretUsage.IndexValues)</c> so that
/// <see cref="SecretConsumerPodSelector{T}"/> finds consumers without scanning the namespace.
/// </remarks>
internal static class PodSecretUsage
{
    /// <summary>The conventional name of the pod index by consumed Secret.</summary>
    public const string IndexName = "consumed-secrets";

    /// <summary>Returns the index value of a Secret: <c>{namespace}/{name}</c>.</summary>
    /// <param name="namespace">The Secret's namespace.</param>
    /// <param name="secretName">The Secret's name.</param>
    /// <returns>The index value.</returns>
    public static string IndexValue(string? @namespace, string secretName) => (@namespace ?? string.Empty) + "/" + secretName;

    /// <summary>Returns the index values (<c>{namespace}/{secret}</c>) of every Secret <paramref name="pod"/> consumes.</summary>
    /// <param name="pod">The pod.</param>
    /// <returns>Distinct index values; empty when it consumes none.</returns>
    public static IEnumerable<string> IndexValues(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var names = new HashSet<string>(StringComparer.Ordinal);
        Collect(pod, names);
        return names.Select(n => IndexValue(pod.Metadata?.NamespaceProperty, n)).ToArray();
    }

    /// <summary>Whether <paramref name="pod"/> consumes the Secret named <paramref name="secretName"/> in its own namespace.</summary>
    /// <param name="pod">The pod.</param>
    /// <param name="secretName">The Secret's name.</param>
    /// <returns><see langword="true"/> when any supported reference names it.</returns>
    public static bool Consumes(V1Pod pod, string secretName)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var names = new HashSet<string>(StringComparer.Ordinal);
        Collect(pod, names);
        return names.Contains(secretName);
    }

    /// <summary>
    /// Returns a copy of <paramref name="pod"/> that keeps only what reporting reads: identity, labels, owners and the
    /// Secret references above. Used as the pod cache's transform, it cuts the cache's memory several times.
    /// </summary>
    /// <param name="pod">The pod as received from the API server.</param>
    /// <returns>The trimmed pod.</returns>
    public static V1Pod TrimForReporting(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var meta = pod.Metadata;
        var spec = pod.Spec;
        return new V1Pod
        {
            ApiVersion = pod.ApiVersion,
            Kind = pod.Kind,
            Metadata = meta is null ? null : new V1ObjectMeta
            {
                Name = meta.Name,
                NamespaceProperty = meta.NamespaceProperty,
                Uid = meta.Uid,
                ResourceVersion = meta.ResourceVersion,
                Generation = meta.Generation,
                CreationTimestamp = meta.CreationTimestamp,
                DeletionTimestamp = meta.DeletionTimestamp,
                Labels = meta.Labels,
                OwnerReferences = meta.OwnerReferences,
            },
            Spec = spec is null ? null : new V1PodSpec
            {
                Volumes = NullIfEmpty(spec.Volumes?
                    .Where(v => v.Secret is not null || v.Projected?.Sources?.Any(s => s.Secret is not null) == true)
                    .Select(v => new V1Volume
                    {
                        Name = v.Name,
                        Secret = v.Secret is null ? null : new V1SecretVolumeSource { SecretName = v.Secret.SecretName },
                        Projected = v.Projected is null ? null : new V1ProjectedVolumeSource
                        {
                            Sources = v.Projected.Sources?.Where(s => s.Secret is not null).Select(s => new V1VolumeProjection { Secret = new V1SecretProjection { Name = s.Secret.Name } }).ToList(),
                        },
                    })
                    .ToList()),
                Containers = spec.Containers?.Select(c => new V1Container { Name = c.Name, Env = SecretEnv(c.Env), EnvFrom = SecretEnvFrom(c.EnvFrom) }).ToList() ?? [],
                InitContainers = NullIfEmpty(spec.InitContainers?.Select(c => new V1Container { Name = c.Name, Env = SecretEnv(c.Env), EnvFrom = SecretEnvFrom(c.EnvFrom) }).ToList()),
                EphemeralContainers = NullIfEmpty(spec.EphemeralContainers?.Select(c => new V1EphemeralContainer { Name = c.Name, Env = SecretEnv(c.Env), EnvFrom = SecretEnvFrom(c.EnvFrom) }).ToList()),
            },
        };
    }

    private static List<V1EnvVar>? SecretEnv(IList<V1EnvVar>? env) =>
        NullIfEmpty(env?.Where(e => e.ValueFrom?.SecretKeyRef is not null).Select(e => new V1EnvVar { Name = e.Name, ValueFrom = new V1EnvVarSource { SecretKeyRef = e.ValueFrom.SecretKeyRef } }).ToList());

    private static List<V1EnvFromSource>? SecretEnvFrom(IList<V1EnvFromSource>? envFrom) =>
        NullIfEmpty(envFrom?.Where(e => e.SecretRef is not null).Select(e => new V1EnvFromSource { SecretRef = e.SecretRef }).ToList());

    private static List<TItem>? NullIfEmpty<TItem>(List<TItem>? list) => list is { Count: > 0 } ? list : null;

    private static void Collect(V1Pod pod, HashSet<string> names)
    {
        var spec = pod.Spec;
        if (spec is null)
        {
            return;
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            AddIfSet(names, volume.Secret?.SecretName);
            foreach (var source in volume.Projected?.Sources ?? [])
            {
                AddIfSet(names, source.Secret?.Name);
            }
        }

        foreach (var container in spec.Containers ?? [])
        {
            CollectEnv(container.Env, container.EnvFrom, names);
        }

        foreach (var container in spec.InitContainers ?? [])
        {
            CollectEnv(container.Env, container.EnvFrom, names);
        }

        foreach (var container in spec.EphemeralContainers ?? [])
        {
            CollectEnv(container.Env, container.EnvFrom, names);
        }
    }

    private static void CollectEnv(IList<V1EnvVar>? env, IList<V1EnvFromSource>? envFrom, HashSet<string> names)
    {
        foreach (var variable in env ?? [])
        {
            AddIfSet(names, variable.ValueFrom?.SecretKeyRef?.Name);
        }

        foreach (var source in envFrom ?? [])
        {
            AddIfSet(names, source.SecretRef?.Name);
        }
    }

    private static void AddIfSet(HashSet<string> names, string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            names.Add(name);
        }
    }
}
