using System.Net;
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
/// Server-side apply is not used: the in-process test API server does not implement it, and create plus update with a
/// resourceVersion precondition gives the same guarantee. Set fields in the form the API server stores them (a Secret's
/// <c>data</c>, not the write-only <c>stringData</c>), or every reconcile sees a difference and writes.
/// </para>
/// API calls: <c>create</c>; <c>update</c> when the controlled child differs; <c>get</c> of that one object after a 409
/// (or, without a cache, <c>get</c> before every write).
/// </remarks>
public sealed class OwnedChildWriter<TChild>
    where TChild : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The label every written child carries (the Kubernetes recommended <c>app.kubernetes.io/managed-by</c>).</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    private const int MaxAttempts = 3;
    private readonly IKubernetes kubernetes;
    private readonly IResourceCache<TChild>? cache;
    private readonly ILogger logger;
    private readonly KubernetesResourceInfo info;

    /// <summary>Initializes a new instance of the <see cref="OwnedChildWriter{TChild}"/> class.</summary>
    /// <param name="kubernetes">The client that writes and, after a 409, reads.</param>
    /// <param name="managedBy">The value of <see cref="ManagedByLabel"/> on every child (a label value, for example <c>controlplane</c>).</param>
    /// <param name="cache">The cache of the children (watched with <see cref="LabelSelector"/>); without one, each call reads the child first.</param>
    /// <param name="logger">The logger; optional.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kubernetes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="managedBy"/> is not a label value, or <typeparamref name="TChild"/> has no <see cref="KubernetesEntityAttribute"/>.</exception>
    public OwnedChildWriter(IKubernetes kubernetes, string managedBy, IResourceCache<TChild>? cache = null, ILogger<OwnedChildWriter<TChild>>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        if (!KubernetesNames.IsLabelValue(managedBy))
        {
            throw new ArgumentException(
                $"The managed-by label value '{managedBy}' is not a label value: 1–63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.",
                nameof(managedBy));
        }

        this.kubernetes = kubernetes;
        this.cache = cache;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        ManagedBy = managedBy;
        info = KubernetesResourceInfo.For(typeof(TChild));
    }

    /// <summary>Gets the value of <see cref="ManagedByLabel"/> on every child this writer writes.</summary>
    public string ManagedBy { get; }

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
    /// <exception cref="HttpOperationException">The API server refused a request (other than the 409s the writer handles).</exception>
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
    /// <exception cref="HttpOperationException">The API server refused a request (other than the 409s the writer handles).</exception>
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
        using var client = new GenericClient(kubernetes, info.Group, info.Version, info.Plural, disposeClient: false);
        var current = cache is null ? await ReadAsync(client, ns, name, cancellationToken).ConfigureAwait(false) : cache.Get(ns, name);
        for (var attempt = 1; ; attempt++)
        {
            TChild? desired = null;
            var action = OwnedChildDecision.Decide(current, ownerReference.Uid, existing =>
            {
                desired = Desire(existing);
                return OwnedChildDecision.IsUpToDate(existing, desired);
            });
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
                    desired = Desire(null);
                    if (await TryWriteAsync(() => CreateAsync(client, desired, cancellationToken)).ConfigureAwait(false) is { } created)
                    {
                        Log.OwnedChildWritten(logger, info.Kind, ns, name, nameof(OwnedChildOutcome.Created));
                        return new OwnedChildResult<TChild>(OwnedChildOutcome.Created, created, null);
                    }

                    break;
                default:
                    var body = OwnedChildDecision.MergeForUpdate(current!, desired!);
                    if (await TryWriteAsync(() => ReplaceAsync(client, body, cancellationToken)).ConfigureAwait(false) is { } updated)
                    {
                        Log.OwnedChildWritten(logger, info.Kind, ns, name, nameof(OwnedChildOutcome.Updated));
                        return new OwnedChildResult<TChild>(OwnedChildOutcome.Updated, updated, null);
                    }

                    break;
            }

            if (attempt == MaxAttempts)
            {
                return new OwnedChildResult<TChild>(OwnedChildOutcome.Pending, null, null);
            }

            // The cache was behind, or the object is someone else's and not cached: read that one object, never a list.
            current = await ReadAsync(client, ns, name, cancellationToken).ConfigureAwait(false);
        }

        TChild Desire(TChild? existing)
        {
            var child = desiredFor(existing) ?? throw new InvalidOperationException($"The desired {info.Kind} for {ns}/{name} is null.");
            OwnedChildDecision.Stamp(child, ownerReference, ns, info.ApiVersion, info.Kind, ManagedBy);
            if (!string.Equals(child.Metadata.Name, name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"The desired {info.Kind} is named '{child.Metadata.Name}', not '{name}'.", nameof(desiredFor));
            }

            return child;
        }
    }

    /// <summary>Runs a write; <see langword="null"/> when it was answered 409 (exists, or a stale resourceVersion) or 404 (gone).</summary>
    private static async Task<TChild?> TryWriteAsync(Func<Task<TChild>> write)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task<TChild?> ReadAsync(GenericClient client, string? ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return string.IsNullOrEmpty(ns)
                ? await client.ReadAsync<TChild>(name, cancellationToken).ConfigureAwait(false)
                : await client.ReadNamespacedAsync<TChild>(ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static Task<TChild> CreateAsync(GenericClient client, TChild desired, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(desired.Metadata.NamespaceProperty)
            ? client.CreateAsync(desired, cancellationToken)
            : client.CreateNamespacedAsync(desired, desired.Metadata.NamespaceProperty, cancellationToken);

    private static Task<TChild> ReplaceAsync(GenericClient client, TChild body, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(body.Metadata.NamespaceProperty)
            ? client.ReplaceAsync(body, body.Metadata.Name, cancellationToken)
            : client.ReplaceNamespacedAsync(body, body.Metadata.NamespaceProperty, body.Metadata.Name, cancellationToken);
}
