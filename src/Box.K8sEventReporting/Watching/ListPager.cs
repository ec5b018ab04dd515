using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Watching;

/// <summary>Reads one whole list of a watcher's scope, page by page, as one consistent snapshot.</summary>
internal sealed class ListPager<T>(ResourceHttpClient<T> client, string? scopeNamespace, string scope, int pageSize, string kind, ILogger logger)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private const int MaxContinueRestarts = 3;

    /// <summary>Reads every page of one list at <paramref name="resourceVersion"/>.</summary>
    /// <exception cref="KubernetesApiException">
    /// The server refused; also when a continue token expired on a list from the watch cache, so that the caller falls back
    /// to a consistent list. A consistent list whose continue token expires restarts, a few times.
    /// </exception>
    public async Task<(List<WatchEvent<T>> Items, string ResourceVersion, int Pages)> ReadAsync(string resourceVersion, bool serverPagesCachedLists, CancellationToken cancellationToken)
    {
        // With a specific version the watch cache serves the list only without a limit (a limited list at a version is an
        // exact read from etcd, 410 once compacted: transcripts 05a, 05c). resourceVersion=0 is served from the cache whatever
        // the limit (it ignores it), and a consistent list pages.
        var limit = resourceVersion.Length > 0 && resourceVersion != "0" && !serverPagesCachedLists ? 0 : pageSize;
        var items = new List<WatchEvent<T>>();
        string? continueToken = null;
        string? listVersion = null;
        var pages = 0;
        var restarts = 0;
        while (true)
        {
            ResourceListPage<T> page;
            try
            {
                page = await client.ListPageAsync(scopeNamespace, resourceVersion, limit, continueToken, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException ex) when (ex.IsExpired && continueToken is not null && resourceVersion.Length == 0 && restarts < MaxContinueRestarts)
            {
                // The snapshot behind the continue token was compacted: its pages can no longer form one consistent list.
                Log.ListContinueExpired(logger, kind, scope);
                restarts++;
                items.Clear();
                continueToken = null;
                listVersion = null;
                pages = 0;
                continue;
            }

            pages++;
            listVersion ??= page.ResourceVersion;
            items.AddRange(page.Items);
            if (page.Continue is null)
            {
                break;
            }

            continueToken = page.Continue;
        }

        return (items, listVersion!, pages);
    }
}
