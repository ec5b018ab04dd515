using System.Diagnostics;
using System.Net;
using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Box.K8sEventReporting.Controller;

/// <summary>
/// Creates or updates a child object that a resource owns (for example the Secret a <c>Pki</c> declares), and never touches
/// an object of that name that the resource does not control.
/// </summary>
/// <typeparam name="TChild">The child's type, with a <see cref="KubernetesEntityAttribute"/>.</typeparam>
/// <remarks>
/// <para>
/// The child is written only when it does not exist (create) or when the owner is its controller (an ownerReference with
/// <c>controller: true</c> and the owner's uid): then it is updated, with its resourceVersion as precondition, when a
/// top-level field the desired object sets (for a Secret: <c>type</c>, <c>data</c>) or one of its labels or annotations
/// differs. An existing object controlled by someone else, or by no one, is never modified, adopted or deleted: the result
/// is <see cref="OwnedChildOutcome.Conflict"/>, with a failure that a reconciler returns as
/// <see cref="ReconcileResult.Invalid"/> (see <see cref="OwnedChildResult{TChild}.ToReconcileResult"/>).
/// </para>
/// <para>
/// Every child written gets the owner as its controller (so it is garbage-collected with it) and the label
/// <see cref="ManagedByLabel"/> = <see cref="ManagedBy"/>, which <c>Owns&lt;TChild&gt;()</c> watches by, so the cache holds
/// only such children. The child is read from that cache; an object the cache does not hold (another team's) shows itself
/// by a create answered 409 AlreadyExists, and then that one object is read (a GET), never a list.
/// </para>
/// <para>
/// A controlled child that differs in a field the API server will not update (a Secret's <c>type</c>, the data of a
/// Secret or ConfigMap with <c>immutable: true</c>, a Service's cluster IP, a workload's selector, or a field declared
/// with <c>immutableFields</c>) is replaced: the desired object is first sent as a dry-run create (so a replacement the
/// server would refuse never deletes the child), then the child is deleted with its uid and resourceVersion as
/// preconditions (so an object that changed owner or content in between is never deleted) and the desired object is
/// created. An update the server answers 422 is treated the same way, since the child is controlled by the owner (the
/// server knows immutable fields this writer does not: a Job's pod template, for example). Between the delete and the
/// create the child does not exist: pods that mount it see one short gap (a kubelet keeps the files it has mounted,
/// and a pod starting in that moment waits for its volume), and the replacement carries only what the desired object
/// sets (labels or annotations others added to the old one are gone).
/// </para>
/// <para>
/// A write the API server refuses for a reason no retry fixes (400, 403 Forbidden, 422 Invalid; after a replacement's
/// dry run also) is not retried here and not thrown: the result is <see cref="OwnedChildOutcome.Refused"/>, with a
/// failure naming the child, the field and the server's message, which a reconciler returns as
/// <see cref="ReconcileResult.Invalid"/> (a Warning Event and <c>Ready=False</c> on the owner, tried again every
/// <see cref="ControllerOptions.RevalidationInterval"/>). Refusals and replacements are counted
/// (<c>k8s_event_reporting.owned_child.refusals</c>, <c>k8s_event_reporting.owned_child.replacements</c>).
/// </para>
/// <para>
/// Server-side apply is not used: the in-process test API server does not implement it, and create plus update with a
/// resourceVersion precondition gives the same guarantee. Set fields in the form the API server stores them (a Secret's
/// <c>data</c>, not the write-only <c>stringData</c>; the defaults the server fills in), or every reconcile sees a
/// difference and writes, and a difference in a field the server will not update is a replacement every time.
/// </para>
/// API calls: <c>create</c>; <c>update</c> when the controlled child differs; <c>get</c> of that one object after a 409
/// (or, without a cache, <c>get</c> before every write); to replace, <c>create</c> with <c>dryRun=All</c>,
/// <c>delete</c> and <c>create</c> (so RBAC needs <c>delete</c> on the child's resource only where a child may have
/// to be replaced).
/// </remarks>
public sealed class OwnedChildWriter<TChild>
    where TChild : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The label every written child carries (the Kubernetes recommended <c>app.kubernetes.io/managed-by</c>).</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    private const int MaxAttempts = 3;
    private readonly ChildRequests<TChild> requests;
    private readonly IResourceCache<TChild>? cache;
    private readonly ILogger logger;
    private readonly KubernetesEntityMetadata info;
    private readonly ImmutableFields immutable;

    /// <summary>Initializes a new instance of the <see cref="OwnedChildWriter{TChild}"/> class.</summary>
    /// <param name="kubernetes">The client that writes and, after a 409, reads.</param>
    /// <param name="managedBy">The value of <see cref="ManagedByLabel"/> on every child (a label value, for example <c>controlplane</c>).</param>
    /// <param name="cache">The cache of the children (watched with <see cref="LabelSelector"/>); without one, each call reads the child first.</param>
    /// <param name="logger">The logger; optional.</param>
    /// <param name="immutableFields">
    /// Dot-separated paths of fields that the API server will not update on this kind (for example
    /// <c>spec.storageClassName</c> of a custom resource whose schema says <c>self == oldSelf</c>), in addition to the API's
    /// own rules for the built-in kinds (Secret, ConfigMap, Service, Deployment, ReplicaSet, DaemonSet, StatefulSet,
    /// Job). A controlled child whose desired value there differs from the stored one (both set) is replaced rather than
    /// updated. Optional: an update the server refuses with 422 is replaced anyway; declaring spares that failed request.
    /// With <c>Owns&lt;TChild&gt;()</c>, register your own writer as a singleton first to pass them.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="kubernetes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="managedBy"/> is not a label value, <typeparamref name="TChild"/> has no
    /// <see cref="KubernetesEntityAttribute"/>, or an immutable field is not a dot-separated path.
    /// </exception>
    public OwnedChildWriter(
        IKubernetes kubernetes,
        string managedBy,
        IResourceCache<TChild>? cache = null,
        ILogger<OwnedChildWriter<TChild>>? logger = null,
        IEnumerable<string>? immutableFields = null)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        if (!KubernetesNames.IsLabelValue(managedBy))
        {
            throw new ArgumentException(
                $"The managed-by label value '{managedBy}' is not a label value: 1–63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.",
                nameof(managedBy));
        }

        this.cache = cache;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        ManagedBy = managedBy;
        info = KubernetesEntityMetadata.Of<TChild>();
        immutable = ImmutableFields.For(info.Group, info.Kind, immutableFields);
        requests = new ChildRequests<TChild>(kubernetes, info);
    }

    /// <summary>Gets the value of <see cref="ManagedByLabel"/> on every child this writer writes.</summary>
    public string ManagedBy { get; }

    /// <summary>Gets where replacements and refusals are counted; set by the library's composition.</summary>
    internal ControllerMetrics? Metrics { get; init; }

    /// <summary>Gets the label selector that matches the children this writer writes (<c>app.kubernetes.io/managed-by=…</c>).</summary>
    public string LabelSelector => $"{ManagedByLabel}={ManagedBy}";

    /// <summary>Makes the child <paramref name="desired"/> exist as given, owned by <paramref name="owner"/>, unless another controls that name.</summary>
    /// <param name="owner">The owning resource, as read from the API server (it needs its uid).</param>
    /// <param name="desired">
    /// The child as it should be: a name, and the fields this controller decides. The writer sets its apiVersion, kind,
    /// namespace (the owner's), the owner as its only controller, and the managed-by label.
    /// </param>
    /// <param name="cancellationToken">Stops the requests.</param>
    /// <returns>What was done; see <see cref="OwnedChildResult{TChild}.ToReconcileResult"/>.</returns>
    /// <exception cref="ArgumentException">The owner has no uid, or the desired child no name, or another namespace than its owner.</exception>
    /// <exception cref="HttpOperationException">
    /// A request failed in a way a retry may fix (5xx, 429, a timeout; other than the 404s and 409s the writer handles
    /// and the refusals it returns).
    /// </exception>
    public Task<OwnedChildResult<TChild>> EnsureAsync(IKubernetesObject<V1ObjectMeta> owner, TChild desired, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var name = desired.Metadata?.Name;
        ArgumentException.ThrowIfNullOrEmpty(name, nameof(desired) + ".Metadata.Name");
        return EnsureAsync(owner, name, _ => desired, cancellationToken);
    }

    /// <summary>
    /// Makes the child named <paramref name="name"/> exist as <paramref name="desiredFor"/> says, owned by
    /// <paramref name="owner"/>, unless another controls that name; for children whose desired state depends on the current
    /// one (for example a certificate that is renewed only when it expires).
    /// </summary>
    /// <param name="owner">The owning resource, as read from the API server (it needs its uid).</param>
    /// <param name="name">The child's name, in the owner's namespace.</param>
    /// <param name="desiredFor">
    /// Returns a new desired child given the current one that the owner controls (<see langword="null"/> when there is none
    /// yet); never called for an object the owner does not control. Do not modify its argument (it may be the cache's).
    /// </param>
    /// <param name="cancellationToken">Stops the requests.</param>
    /// <returns>What was done; see <see cref="OwnedChildResult{TChild}.ToReconcileResult"/>.</returns>
    /// <exception cref="ArgumentException">The owner has no uid, or the desired child another name or namespace.</exception>
    /// <exception cref="HttpOperationException">
    /// A request failed in a way a retry may fix (5xx, 429, a timeout; other than the 404s and 409s the writer handles
    /// and the refusals it returns).
    /// </exception>
    public async Task<OwnedChildResult<TChild>> EnsureAsync(
        IKubernetesObject<V1ObjectMeta> owner,
        string name,
        Func<TChild?, TChild> desiredFor,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(desiredFor);
        var ownerReference = OwnedChildDecision.OwnerReferenceTo(owner);
        var ns = owner.Metadata.NamespaceProperty;
        var current = cache is null ? await requests.ReadAsync(ns, name, cancellationToken).ConfigureAwait(false) : cache.Get(ns, name);
        for (var attempt = 1; ; attempt++)
        {
            TChild? desired = null;
            TChild? body = null;
            string? field = null;
            var action = OwnedChildDecision.Decide(
                current,
                ownerReference.Uid,
                existing =>
                {
                    desired = OwnedChildDecision.Desired(desiredFor, existing, name, ownerReference, ns, info, ManagedBy);
                    return OwnedChildDecision.IsUpToDate(existing, desired);
                },
                existing =>
                {
                    body = OwnedChildDecision.MergeForUpdate(existing, desired!);
                    field = immutable.FirstRefusedChange(existing, body);
                    return field is not null;
                });
            OwnedChildResult<TChild>? result;
            switch (action)
            {
                case OwnedChildAction.Conflict:
                    var conflict = OwnedChildDecision.Conflict(current!.Metadata, info.Kind, ownerReference);
                    Log.OwnedChildConflict(logger, info.Kind, ns, name, ownerReference.Kind, ownerReference.Name, conflict.Message);
                    return new OwnedChildResult<TChild>(OwnedChildOutcome.Conflict, null, conflict);
                case OwnedChildAction.WaitForDeletion:
                    return new OwnedChildResult<TChild>(OwnedChildOutcome.Pending, null, null);
                case OwnedChildAction.None:
                    return new OwnedChildResult<TChild>(OwnedChildOutcome.Unchanged, current, null);
                case OwnedChildAction.Create:
                    desired = OwnedChildDecision.Desired(desiredFor, null, name, ownerReference, ns, info, ManagedBy);
                    result = await WriteAsync(OwnedChildOutcome.Created, "create", () => requests.CreateAsync(desired, dryRun: false, cancellationToken)).ConfigureAwait(false);
                    break;
                case OwnedChildAction.Replace:
                    Log.OwnedChildReplacing(logger, info.Kind, ns, name, field!);
                    result = await ReplaceAsync(current!, desired!, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    try
                    {
                        result = await WriteAsync(OwnedChildOutcome.Updated, "update", () => requests.UpdateAsync(body!, cancellationToken), refuseInvalid: false).ConfigureAwait(false);
                    }
                    catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.UnprocessableEntity)
                    {
                        // The owner controls this child and the server refuses the update: a field it will not update
                        // (one the rules above do not know). Replacing it is safe: the dry run shows first whether the
                        // server would accept the desired object at all.
                        var refused = OwnedChildDecision.RefusedField((int)e.Response.StatusCode, e.Response.Content) ?? "content";
                        Log.OwnedChildReplacing(logger, info.Kind, ns, name, refused);
                        result = await ReplaceAsync(current!, desired!, cancellationToken).ConfigureAwait(false);
                    }

                    break;
            }

            if (result is not null)
            {
                return result;
            }

            if (attempt == MaxAttempts)
            {
                return new OwnedChildResult<TChild>(OwnedChildOutcome.Pending, null, null);
            }

            // The cache was behind, or the object is someone else's and not cached: read that one object, never a list.
            current = await requests.ReadAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }

        // Deletes the controlled child and creates the desired one, once the server showed it accepts it; null to read again.
        async Task<OwnedChildResult<TChild>?> ReplaceAsync(TChild existing, TChild replacement, CancellationToken token)
        {
            var (cleared, refusedAttempt, refusal) = await requests.ClearForReplacementAsync(existing, replacement, token).ConfigureAwait(false);
            if (refusal is not null)
            {
                return Refused(refusedAttempt!, refusal);
            }

            if (!cleared)
            {
                return null;
            }

            Metrics?.OwnedChildReplacements.Add(1, ControllerMetrics.KindTags(info.Kind));
            return await WriteAsync(OwnedChildOutcome.Replaced, "create (to replace it)", () => requests.CreateAsync(replacement, dryRun: false, token)).ConfigureAwait(false);
        }

        // Runs a write: its result, null after a 409 or 404 (read again), or the refusal when no retry fixes it.
        async Task<OwnedChildResult<TChild>?> WriteAsync(OwnedChildOutcome outcome, string attempt, Func<Task<TChild>> write, bool refuseInvalid = true)
        {
            try
            {
                var written = await write().ConfigureAwait(false);
                Log.OwnedChildWritten(logger, info.Kind, ns, name, outcome);
                return new OwnedChildResult<TChild>(outcome, written, null);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                return null;
            }
            catch (HttpOperationException e) when (OwnedChildDecision.IsRefusal((int)e.Response.StatusCode)
                && (refuseInvalid || e.Response.StatusCode != HttpStatusCode.UnprocessableEntity))
            {
                return Refused(attempt, e);
            }
        }

        OwnedChildResult<TChild> Refused(string attempt, HttpOperationException e)
        {
            var code = (int)e.Response.StatusCode;
            var refusal = OwnedChildDecision.Refusal(info.Kind, ns, name, attempt, code, e.Response.Content);
            Metrics?.OwnedChildRefusals.Add(1, new TagList { { "kind", info.Kind }, { "verb", attempt.Split(' ')[0] }, { "code", code } });
            var logged = EventMessage.Sanitize(refusal.Message);
            Log.OwnedChildRefused(logger, attempt, info.Kind, ns, name, code, ownerReference.Kind, ownerReference.Name, logged);
            return new OwnedChildResult<TChild>(OwnedChildOutcome.Refused, null, null, refusal);
        }
    }
}
