using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>Waits for Events on the in-process API server the way a test reads them: through the real client, list then watch.</summary>
public static class InProcessApiServerEventExtensions
{
    /// <summary>
    /// Waits until a core/v1 Event with <paramref name="reason"/> about the object <paramref name="involvedName"/> exists in
    /// <paramref name="namespace"/> (or existed already), without polling: one list, then a watch from its resourceVersion.
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="namespace">The Event's (and the involved object's) namespace.</param>
    /// <param name="involvedName">The involved object's name (a pod, the custom resource, a workload).</param>
    /// <param name="reason">The Event's reason.</param>
    /// <param name="timeout">How long to wait before failing.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The Event.</returns>
    /// <exception cref="FakeAssertionException">No such Event within <paramref name="timeout"/>; the message lists the Events there are.</exception>
    public static async Task<Corev1Event> WaitForEventAsync(
        this InProcessApiServer server, string @namespace, string involvedName, string reason, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var client = server.CreateClient();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var selector = $"involvedObject.name={involvedName},reason={reason}";
        try
        {
            while (true)
            {
                var list = await client.CoreV1.ListNamespacedEventAsync(@namespace, fieldSelector: selector, cancellationToken: deadline.Token).ConfigureAwait(false);
                if (list.Items.FirstOrDefault() is { } found)
                {
                    return found;
                }

                // The server may end a watch at any time: then list again.
                var watch = client.CoreV1.WatchListNamespacedEventAsync(
                    @namespace, fieldSelector: selector, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: deadline.Token);
                await foreach (var (type, item) in watch.ConfigureAwait(false))
                {
                    if (type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        return item;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var all = await client.CoreV1.ListNamespacedEventAsync(@namespace, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            var seen = string.Join("; ", all.Items.Select(e => $"{e.InvolvedObject.Kind} {e.InvolvedObject.Name}: {e.Type} {e.Reason}: {e.Message}"));
            throw new FakeAssertionException(
                $"No Event with reason '{reason}' about '{@namespace}/{involvedName}' within {timeout}; Events in {@namespace}: {(seen.Length == 0 ? "none" : seen)}.");
        }
    }
}
