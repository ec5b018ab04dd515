using System.Text.Json;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>The list continue token, shaped like the real one (base64 of <c>{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}</c>).</summary>
internal sealed record ContinueToken(long ResourceVersion, string Start)
{
    public string Encode()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = ResourceVersion, ["start"] = Start });
        return Convert.ToBase64String(json).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static ContinueToken? Decode(string token)
    {
        try
        {
            var text = token.Replace('-', '+').Replace('_', '/');
            text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
            var node = JsonNode.Parse(Convert.FromBase64String(text)) as JsonObject;
            if (node?["rv"] is JsonValue rv && node["start"] is JsonValue start)
            {
                return new ContinueToken(rv.GetValue<long>(), start.GetValue<string>());
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
        }

        return null;
    }
}
