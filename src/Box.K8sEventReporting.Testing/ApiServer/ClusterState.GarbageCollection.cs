using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>
/// What kube-controller-manager does after a DELETE, asynchronously as it does there: the garbage collector
/// (dependents of a deleted owner; the <c>foregroundDeletion</c> and <c>orphan</c> finalizers) and the namespace
/// controller (a Terminating namespace's contents, then the namespace). The DELETE request only marks or removes its
/// object; this loop, woken by every deletion, does the rest moments later (a real cluster: about 0.1 s, transcript 15e).
/// </summary>
internal sealed partial class ClusterState
{
    private const string ForegroundFinalizer = "foregroundDeletion";
    private const string OrphanFinalizer = "orphan";

    private readonly Channel<bool> collectorWakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    // Under Gate: owners deleted while dependents pointed at them; objects held by foregroundDeletion or orphan;
    // namespaces being terminated.
    private readonly HashSet<string> deletedOwners = new(StringComparer.Ordinal);
    private readonly HashSet<(ApiResource Resource, string Key)> finalizing = [];
    private readonly HashSet<string> terminatingNamespaces = new(StringComparer.Ordinal);

    /// <summary>Gets how many collector passes failed (a bug in this server; tests can assert it stayed 0).</summary>
    public int CollectorFailures { get; private set; }

    /// <summary>Runs the collector until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunCollectorAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await collectorWakeUps.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (options.GarbageCollectionDelay > TimeSpan.Zero)
                {
                    await Task.Delay(options.GarbageCollectionDelay, timeProvider, cancellationToken).ConfigureAwait(false);
                }

                collectorWakeUps.Reader.TryRead(out _);
                try
                {
                    lock (Gate)
                    {
                        CollectOnce();
                    }
                }
#pragma warning disable CA1031 // The collector must outlive a bad object; the next wake-up tries again.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    CollectorFailures++;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Whether a namespace exists and is being terminated (creates in it are refused).</summary>
    public bool IsNamespaceTerminating(string ns)
    {
        lock (Gate)
        {
            return terminatingNamespaces.Contains(ns);
        }
    }

    private void WakeCollector() => collectorWakeUps.Writer.TryWrite(true);

    /// <summary>Called by Commit for every change: a deleted owner's dependents, and any change while something waits on the collector, wake it.</summary>
    private void NotifyCollector(string type, StoredObject stored)
    {
        if (type == "DELETED" && stored.Uid.Length > 0 && dependents.ContainsKey(stored.Uid))
        {
            deletedOwners.Add(stored.Uid);
            WakeCollector();
        }
        else if (finalizing.Count > 0 || terminatingNamespaces.Count > 0)
        {
            WakeCollector();
        }
    }

    /// <summary>Marks an object with a deletionTimestamp and, for Foreground or Orphan, the finalizer the collector acts on.</summary>
    private ApiResponse MarkForDeletionLocked(ApiResource resource, StoredObject existing, string policy)
    {
        var marked = Json.ToNode(existing.Json);
        var meta = ObjectMutations.Meta(marked);
        meta["deletionTimestamp"] = Now();
        meta["deletionGracePeriodSeconds"] = 0;
        var finalizer = policy switch
        {
            "Foreground" => ForegroundFinalizer,
            "Orphan" => OrphanFinalizer,
            _ => null,
        };
        if (finalizer is not null)
        {
            var finalizers = meta["finalizers"] as JsonArray ?? [];
            finalizers.Add(finalizer);
            meta["finalizers"] = finalizers.DeepClone();
            finalizing.Add((resource, existing.Key));
            WakeCollector();
        }

        if (resource.TracksGeneration)
        {
            meta["generation"] = (meta["generation"]?.GetValue<long>() ?? 0) + 1;
        }

        var stored = Commit(resource, marked, "MODIFIED", existing);
        return ApiResponse.Json(200, View(resource, stored));
    }

    /// <summary>
    /// Marks a namespace Terminating (deletionTimestamp, status.phase); the collector empties and then removes it. Deleting
    /// a namespace that is already terminating changes nothing and answers 200 with it as it is (transcripts 21h, 21i).
    /// </summary>
    private ApiResponse TerminateNamespaceLocked(ApiResource resource, StoredObject existing)
    {
        if (terminatingNamespaces.Contains(existing.Name))
        {
            return ApiResponse.Json(200, View(resource, existing));
        }

        var terminating = Json.ToNode(existing.Json);
        ObjectMutations.Meta(terminating)["deletionTimestamp"] = Now();
        terminating["status"] = new JsonObject { ["phase"] = "Terminating" };
        var stored = Commit(resource, terminating, "MODIFIED", existing);
        terminatingNamespaces.Add(existing.Name);
        WakeCollector();
        return ApiResponse.Json(200, View(resource, stored));
    }

    private void CollectOnce()
    {
        foreach (var uid in deletedOwners.ToList())
        {
            deletedOwners.Remove(uid);
            if (!byUid.ContainsKey(uid))
            {
                CollectDependents(uid, orphan: false);
            }
        }

        foreach (var (resource, key) in finalizing.ToList())
        {
            if (!resource.Store.Objects.TryGetValue(key, out var owner) || !owner.IsBeingDeleted)
            {
                finalizing.Remove((resource, key));
                continue;
            }

            if (HasFinalizer(owner, OrphanFinalizer))
            {
                CollectDependents(owner.Uid, orphan: true);
                RemoveFinalizer(resource, owner, OrphanFinalizer);
            }
            else if (HasFinalizer(owner, ForegroundFinalizer))
            {
                var blocking = DependentsOf(owner.Uid).ToList();
                foreach (var (store, dependent) in blocking.Where(d => !d.Dependent.IsBeingDeleted))
                {
                    var dependentResource = ResourceOf(store);
                    Delete(dependentResource, NamespaceOrNull(dependent), dependent.Name, null, new Dictionary<string, string>());
                }

                if (!DependentsOf(owner.Uid).Any(d => BlocksOwnerDeletion(d.Dependent, owner.Uid)))
                {
                    RemoveFinalizer(resource, owner, ForegroundFinalizer);
                }
            }
            else
            {
                finalizing.Remove((resource, key));
            }
        }

        foreach (var ns in terminatingNamespaces.ToList())
        {
            var contents = NamespacedStores().SelectMany(r => r.Store.Objects.Values.Where(o => o.Namespace == ns).Select(o => (Resource: r, Object: o))).ToList();
            foreach (var (r, o) in contents.Where(c => !c.Object.IsBeingDeleted))
            {
                Delete(r, ns, o.Name, null, new Dictionary<string, string>());
            }

            // Objects held by finalizers keep the namespace Terminating until they go (their update wakes this loop).
            if (!NamespacedStores().Any(r => r.Store.Objects.Values.Any(o => o.Namespace == ns)))
            {
                terminatingNamespaces.Remove(ns);
                var namespaces = Find(string.Empty, "v1", "namespaces")!;
                if (namespaces.Store.Objects.TryGetValue(ns, out var nsObject))
                {
                    var gone = Json.ToNode(nsObject.Json);
                    gone["spec"] = new JsonObject();
                    Commit(namespaces, gone, "DELETED", nsObject);
                }
            }
        }
    }

    private List<ApiResource> NamespacedStores() =>
        resources.Values.Where(r => r.Namespaced && r.Flavor != ResourceFlavor.EventsV1Event).GroupBy(r => r.Store).Select(g => g.First()).ToList();

    private IEnumerable<(ResourceStore Store, StoredObject Dependent)> DependentsOf(string ownerUid)
    {
        if (!dependents.TryGetValue(ownerUid, out var set))
        {
            yield break;
        }

        foreach (var (store, key) in set.ToList())
        {
            if (store.Objects.TryGetValue(key, out var dependent))
            {
                yield return (store, dependent);
            }
        }
    }

    private static bool BlocksOwnerDeletion(StoredObject dependent, string ownerUid)
    {
        if (!dependent.Metadata.TryGetProperty("ownerReferences", out var refs) || refs.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            return false;
        }

        foreach (var r in refs.EnumerateArray())
        {
            if (StoredObject.GetString(r, "uid") == ownerUid && r.TryGetProperty("blockOwnerDeletion", out var block) && block.ValueKind == System.Text.Json.JsonValueKind.True)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasFinalizer(StoredObject o, string finalizer) =>
        o.Metadata.TryGetProperty("finalizers", out var f) && f.ValueKind == System.Text.Json.JsonValueKind.Array && f.EnumerateArray().Any(e => e.GetString() == finalizer);

    private void RemoveFinalizer(ApiResource resource, StoredObject owner, string finalizer)
    {
        var node = Json.ToNode(owner.Json);
        var meta = ObjectMutations.Meta(node);
        var remaining = (meta["finalizers"] as JsonArray ?? []).Where(f => f?.GetValue<string>() != finalizer).Select(f => f!.DeepClone()).ToArray();
        if (remaining.Length == 0)
        {
            meta.Remove("finalizers");
            Commit(resource, node, "DELETED", owner);
            finalizing.Remove((resource, owner.Key));
            if (resource.Flavor == ResourceFlavor.CustomResourceDefinition)
            {
                RemoveCrd(node);
            }
        }
        else
        {
            meta["finalizers"] = new JsonArray(remaining);
            Commit(resource, node, "MODIFIED", owner);
        }
    }

    private ApiResource ResourceOf(ResourceStore store) => resources.Values.First(r => r.Store == store && r.Flavor != ResourceFlavor.EventsV1Event);

    private static string? NamespaceOrNull(StoredObject o) => o.Namespace.Length == 0 ? null : o.Namespace;
}
