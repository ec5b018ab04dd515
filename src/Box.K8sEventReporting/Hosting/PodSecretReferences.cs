using k8s.Models;

namespace Box.K8sEventReporting.Hosting;

/// <summary>The names of the Secrets a pod consumes: volumes, projected volumes, env and envFrom of every container.</summary>
/// <remarks>Image pull secrets are not counted: the pod does not read them.</remarks>
internal static class PodSecretReferences
{
    public static HashSet<string> Of(V1Pod pod)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var spec = pod.Spec;
        if (spec is null)
        {
            return names;
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            AddIfSet(names, volume.Secret?.SecretName);
            foreach (var source in volume.Projected?.Sources ?? [])
            {
                AddIfSet(names, source.Secret?.Name);
            }
        }

        foreach (var container in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            foreach (var env in container.Env ?? [])
            {
                AddIfSet(names, env.ValueFrom?.SecretKeyRef?.Name);
            }

            foreach (var envFrom in container.EnvFrom ?? [])
            {
                AddIfSet(names, envFrom.SecretRef?.Name);
            }
        }

        return names;
    }

    private static void AddIfSet(HashSet<string> names, string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            names.Add(name);
        }
    }
}
