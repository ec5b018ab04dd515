using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>KubernetesClient's own JSON settings, as the decoders read with them: as they are, and without managedFields.</summary>
internal static class KubernetesJsonOptions
{
    private static readonly JsonSerializerOptions ClientOptions = Capture();
    private static readonly Lazy<JsonSerializerOptions> WithoutManagedFieldsOptions = new(() => WithoutManagedFieldsOf(ClientOptions));

    /// <summary>Gets the client's serializer options (read only).</summary>
    public static JsonSerializerOptions Client => ClientOptions;

    /// <summary>Gets a copy of the client's options whose reader skips <c>metadata.managedFields</c>.</summary>
    public static JsonSerializerOptions WithoutManagedFields => WithoutManagedFieldsOptions.Value;

    private static JsonSerializerOptions Capture()
    {
        // KubernetesJson keeps its options private; AddJsonOptions hands out the very instance it uses, which we only read.
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(o => captured = o);
        return captured ?? throw new InvalidOperationException("KubernetesJson did not expose its serializer options.");
    }

    /// <summary>A copy of KubernetesClient's settings whose contract for <see cref="V1ObjectMeta"/> has no managedFields property: the reader skips it.</summary>
    private static JsonSerializerOptions WithoutManagedFieldsOf(JsonSerializerOptions source)
    {
        var copy = new JsonSerializerOptions(source);
        copy.TypeInfoResolver = (source.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(static info =>
        {
            if (info.Type == typeof(V1ObjectMeta))
            {
                for (var i = info.Properties.Count - 1; i >= 0; i--)
                {
                    if (info.Properties[i].Name == "managedFields")
                    {
                        info.Properties.RemoveAt(i);
                    }
                }
            }
        });
        return copy;
    }
}
