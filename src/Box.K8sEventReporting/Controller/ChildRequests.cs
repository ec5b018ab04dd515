using Box.K8sEventReporting.Primitives;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.Controller;

/// <summary>The requests <see cref="OwnedChildWriter{TChild}"/> makes for one kind of child: read, create, replace, delete.</summary>
internal sealed class ChildRequests<TChild>(IKubernetes kubernetes, KubernetesEntityMetadata info)
    where TChild : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Reads the child; <see langword="null"/> when there is none.</summary>
    public async Task<TChild?> ReadAsync(string? ns, string name, CancellationToken cancellationToken)
    {
        using var client = Client();
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

    /// <summary>Creates the child (only checks it, with <paramref name="dryRun"/>).</summary>
    public async Task<TChild> CreateAsync(TChild desired, bool dryRun, CancellationToken cancellationToken)
    {
        var ns = desired.Metadata.NamespaceProperty;
        using var response = string.IsNullOrEmpty(ns)
            ? await kubernetes.CustomObjects.CreateClusterCustomObjectWithHttpMessagesAsync<TChild>(
                desired, info.Group, info.Version, info.Plural, dryRun: dryRun ? "All" : null, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await kubernetes.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync<TChild>(
                desired, info.Group, info.Version, ns, info.Plural, dryRun: dryRun ? "All" : null, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Body;
    }

    /// <summary>Deletes the child only if it still is the object read (same uid and resourceVersion), with its own dependents.</summary>
    public async Task DeleteAsync(V1ObjectMeta existing, CancellationToken cancellationToken)
    {
        // Background: the old child's own dependents (a Job's pods) go with it; a Job's API default would orphan them.
        var options = new V1DeleteOptions
        {
            Preconditions = new V1Preconditions { Uid = existing.Uid, ResourceVersion = existing.ResourceVersion },
            PropagationPolicy = "Background",
        };
        using var response = string.IsNullOrEmpty(existing.NamespaceProperty)
            ? await kubernetes.CustomObjects.DeleteClusterCustomObjectWithHttpMessagesAsync(
                info.Group, info.Version, info.Plural, existing.Name, options, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await kubernetes.CustomObjects.DeleteNamespacedCustomObjectWithHttpMessagesAsync(
                info.Group, info.Version, existing.NamespaceProperty, info.Plural, existing.Name, options, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes way for <paramref name="replacement"/>: a dry-run create shows the server accepts it (409 AlreadyExists: valid,
    /// the name is just taken), then the controlled child is deleted with its uid and resourceVersion as preconditions.
    /// </summary>
    /// <returns>
    /// Cleared (create now); not cleared (the child changed since it was read: read again); or the request the server refused
    /// for good and why.
    /// </returns>
    public async Task<(bool Cleared, string? RefusedAttempt, HttpOperationException? Refusal)> ClearForReplacementAsync(
        TChild existing, TChild replacement, CancellationToken cancellationToken)
    {
        try
        {
            await CreateAsync(replacement, dryRun: true, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }
        catch (HttpOperationException e) when (OwnedChildDecision.IsRefusal((int)e.Response.StatusCode))
        {
            return (false, "replace", e);
        }

        try
        {
            await DeleteAsync(existing.Metadata, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return (false, null, null);   // a precondition failed: the object changed (or was replaced by another) since it was read
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (HttpOperationException e) when (OwnedChildDecision.IsRefusal((int)e.Response.StatusCode))
        {
            return (false, "delete (to replace it)", e);
        }

        return (true, null, null);
    }

    /// <summary>Replaces the child with <paramref name="body"/> (its resourceVersion is the precondition).</summary>
    public async Task<TChild> UpdateAsync(TChild body, CancellationToken cancellationToken)
    {
        using var client = Client();
        return string.IsNullOrEmpty(body.Metadata.NamespaceProperty)
            ? await client.ReplaceAsync(body, body.Metadata.Name, cancellationToken).ConfigureAwait(false)
            : await client.ReplaceNamespacedAsync(body, body.Metadata.NamespaceProperty, body.Metadata.Name, cancellationToken).ConfigureAwait(false);
    }

    private GenericClient Client() => new(kubernetes, info.Group, info.Version, info.Plural, disposeClient: false);
}
