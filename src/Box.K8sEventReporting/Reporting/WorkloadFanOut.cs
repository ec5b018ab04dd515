using Box.K8sEventReporting.Watching;
using k8s.Models;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// Caps how many pods of one owning workload get an Event: past the cap, the first pods (by name) and the owning
/// workload get it instead, so hundreds of replicas never turn one error into hundreds of writes.
/// </summary>
/// <remarks>
/// Pods are grouped by their controller ownerReference. A ReplicaSet-owned pod's workload is the ReplicaSet's owning
/// Deployment when a ReplicaSet cache is given (read from the ReplicaSet's ownerReferences, no GET); otherwise the
/// ReplicaSet itself. StatefulSets, DaemonSets, Jobs and other owners are reported on directly.
/// </remarks>
internal static class WorkloadFanOut
{
    /// <summary>Returns the objects to report on.</summary>
    public static List<V1ObjectReference> Plan(IReadOnlyList<V1Pod> pods, int maxPodsPerOwner, IResourceCache<V1ReplicaSet>? replicaSets, Action<int, V1ObjectReference>? onCapped = null)
    {
        var targets = new List<V1ObjectReference>();
        var seenOwners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in pods.GroupBy(OwnerUid, StringComparer.Ordinal))
        {
            var members = group.ToList();
            if (group.Key.Length == 0 || members.Count <= maxPodsPerOwner)
            {
                targets.AddRange(members.Select(ObjectReferences.Create));
                continue;
            }

            members.Sort((a, b) => string.CompareOrdinal(a.Metadata?.Name, b.Metadata?.Name));
            targets.AddRange(members.Take(maxPodsPerOwner).Select(ObjectReferences.Create));
            var owner = ResolveWorkload(members[0], replicaSets);
            if (owner is not null && seenOwners.Add(owner.Uid ?? owner.Kind + "/" + owner.Name))
            {
                onCapped?.Invoke(members.Count, owner);
                targets.Add(owner);
            }
        }

        return targets;
    }

    private static string OwnerUid(V1Pod pod) => Controller(pod.Metadata?.OwnerReferences)?.Uid ?? string.Empty;

    private static V1OwnerReference? Controller(IList<V1OwnerReference>? owners) =>
        owners?.FirstOrDefault(o => o.Controller == true) ?? (owners is { Count: 1 } ? owners[0] : null);

    private static V1ObjectReference? ResolveWorkload(V1Pod pod, IResourceCache<V1ReplicaSet>? replicaSets)
    {
        var @namespace = pod.Metadata?.NamespaceProperty;
        var owner = Controller(pod.Metadata?.OwnerReferences);
        if (owner is null)
        {
            return null;
        }

        if (owner.Kind == "ReplicaSet" && replicaSets?.Get(@namespace, owner.Name) is { } replicaSet
            && Controller(replicaSet.Metadata?.OwnerReferences) is { Kind: "Deployment" } deployment)
        {
            owner = deployment;
        }

        return new V1ObjectReference
        {
            ApiVersion = owner.ApiVersion,
            Kind = owner.Kind,
            Name = owner.Name,
            NamespaceProperty = @namespace,
            Uid = owner.Uid,
        };
    }
}
