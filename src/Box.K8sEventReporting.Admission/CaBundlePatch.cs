using System.Text;
using System.Text.Json;
using k8s.Models;

namespace Box.K8sEventReporting.Admission;

/// <summary>
/// Decides the JSON patch that puts the CA bundle into the webhooks of a <c>ValidatingWebhookConfiguration</c> served by
/// this webhook (its Service, or its URL), without I/O: only the <c>clientConfig.caBundle</c> of those webhooks changes, and a <c>test</c> of the
/// resourceVersion makes the patch fail (and be retried on a fresh read) if the object changed since it was read.
/// </summary>
internal static class CaBundlePatch
{
    /// <summary>What to write.</summary>
    /// <param name="Matching">How many webhooks this webhook serves.</param>
    /// <param name="Patch">The JSON patch, or <see langword="null"/> when every matching webhook already holds the bundle.</param>
    internal sealed record Decision(int Matching, string? Patch);

    public static Decision Decide(V1ValidatingWebhookConfiguration configuration, string caPem, string serviceNamespace, string serviceName) =>
        Decide(configuration, caPem, WebhookAddress.ForService(serviceName, serviceNamespace));

    public static Decision Decide(V1ValidatingWebhookConfiguration configuration, string caPem, WebhookAddress address)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(address);
        var bundle = Encoding.UTF8.GetBytes(caPem);
        var webhooks = configuration.Webhooks ?? [];
        var matching = 0;
        var stale = new List<int>();
        for (var i = 0; i < webhooks.Count; i++)
        {
            if (!address.Serves(webhooks[i].ClientConfig))
            {
                continue;
            }

            matching++;
            if (webhooks[i].ClientConfig.CaBundle is not { } current || !current.AsSpan().SequenceEqual(bundle))
            {
                stale.Add(i);
            }
        }

        if (stale.Count == 0)
        {
            return new Decision(matching, null);
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            Operation(writer, "test", "/metadata/resourceVersion", configuration.Metadata?.ResourceVersion ?? string.Empty);
            foreach (var i in stale)
            {
                // "add" sets a member whether or not it exists (RFC 6902), so an empty or stale caBundle is both covered.
                Operation(writer, "add", $"/webhooks/{i}/clientConfig/caBundle", Convert.ToBase64String(bundle));
            }

            writer.WriteEndArray();
        }

        return new Decision(matching, Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void Operation(Utf8JsonWriter writer, string op, string path, string value)
    {
        writer.WriteStartObject();
        writer.WriteString("op", op);
        writer.WriteString("path", path);
        writer.WriteString("value", value);
        writer.WriteEndObject();
    }
}
