using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ControlPlane;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// The baseline: what the original Go control plane did, re-written with the plain KubernetesClient. One raw watch of
/// Pkis, handled one event at a time; an invalid Pki costs a LIST of its namespace's pods and one new Event object per
/// affected pod per report; a valid one costs a DELETE and a CREATE of its Secret. No cache, no queue, no correlation.
/// A watch that ends is opened again from nothing (no resourceVersion), as the original did.
/// </summary>
internal sealed class SeedControlPlane(IKubernetes client, IReadOnlySet<string> allowedNames, TimeProvider timeProvider)
{
    private long eventSequence;

    /// <summary>Gets how many times the watch was opened again after it ended.</summary>
    public int WatchRestarts { get; private set; }

    /// <summary>Gets how many events failed to be handled (logged to stderr).</summary>
    public int Failures { get; private set; }

    /// <summary>Signals <paramref name="ready"/>, opens the watch, then handles events until cancelled.</summary>
    public async Task RunAsync(Action ready, CancellationToken cancellationToken)
    {
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (first)
                {
                    first = false;
                    ready();
                }

                await foreach (var (type, item) in client.CustomObjects.WatchListClusterCustomObjectAsync("box.com", "v1", "pkis", cancellationToken: cancellationToken))
                {
                    var pki = item is JsonElement json ? KubernetesJson.Deserialize<Pki>(json.GetRawText()) : KubernetesJson.Deserialize<Pki>(KubernetesJson.Serialize(item));
                    if (type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        await HandleAsync(pki, cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e)
            {
                await Console.Error.WriteLineAsync($"seed: watch failed: {e.Response.StatusCode}");
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"seed: watch failed: {e.Message}");
            }

            WatchRestarts++;
        }
    }

    private async Task HandleAsync(Pki pki, CancellationToken cancellationToken)
    {
        var ns = pki.Metadata.NamespaceProperty;
        try
        {
            var serviceName = pki.Spec?.ServiceName;
            if (serviceName is null || !allowedNames.Contains(serviceName))
            {
                var message = $"ServiceName: {serviceName} in pki: {pki.Metadata.Name} is not found in allowedNames: [{string.Join(' ', allowedNames.Order(StringComparer.Ordinal))}]";
                var pods = await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken);
                foreach (var pod in pods.Items.Where(p => MountsSecret(p, pki.Metadata.Name)))
                {
                    await client.CoreV1.CreateNamespacedEventAsync(NewEvent(pod, message), ns, cancellationToken: cancellationToken);
                }

                return;
            }

            try
            {
                await client.CoreV1.DeleteNamespacedSecretAsync(pki.Metadata.Name, ns, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
            }

            await client.CoreV1.CreateNamespacedSecretAsync(NewSecret(pki, serviceName), ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e)
        {
            Failures++;
            await Console.Error.WriteLineAsync($"seed: {ns}/{pki.Metadata.Name}: {e.Response.StatusCode} {e.Response.Content}");
        }
    }

    private static bool MountsSecret(V1Pod pod, string secretName) =>
        pod.Spec?.Volumes?.Any(v => v.Secret?.SecretName == secretName
            || v.Projected?.Sources?.Any(s => s.Secret?.Name == secretName) == true) == true;

    private Corev1Event NewEvent(V1Pod pod, string message)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var sequence = Interlocked.Increment(ref eventSequence);
        return new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{pod.Metadata.Name}.{now.Ticks:x}{sequence.ToString("x4", CultureInfo.InvariantCulture)}",
                NamespaceProperty = pod.Metadata.NamespaceProperty,
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty,
                Uid = pod.Metadata.Uid, ResourceVersion = pod.Metadata.ResourceVersion,
            },
            Reason = "InvalidServiceName",
            Message = message,
            Type = "Warning",
            Source = new V1EventSource { Component = "controlplane" },
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
    }

    private static V1Secret NewSecret(Pki pki, string serviceName) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = pki.Metadata.Name,
            NamespaceProperty = pki.Metadata.NamespaceProperty,
            OwnerReferences = [new V1OwnerReference { ApiVersion = pki.ApiVersion, Kind = pki.Kind, Name = pki.Metadata.Name, Uid = pki.Metadata.Uid }],
        },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { ["serviceName"] = Encoding.UTF8.GetBytes(serviceName) },
    };
}
