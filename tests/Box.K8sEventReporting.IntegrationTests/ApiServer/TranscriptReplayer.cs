using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Box.K8sEventReporting.Testing.ApiServer;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>
/// Replays transcripts against the in-process server and compares the answers with the recorded ones, ignoring
/// uid, timestamps, managedFields and resourceVersion values. resourceVersions, uids and continue tokens the
/// transcripts carry in requests are rewritten to the ones this server handed out for the same objects.
/// </summary>
internal sealed partial class TranscriptReplayer(InProcessApiServer server, HttpClient http)
{
    private readonly Dictionary<string, string> substitutions = new(StringComparer.Ordinal);
    private readonly List<string> failures = [];

    public IReadOnlyList<string> Failures => failures;

    public InProcessApiServer Server => server;

    public void Map(string recorded, string actual) => substitutions[recorded] = actual;

    /// <summary>Sends the transcript's request; checks status code and body; returns our body.</summary>
    /// <param name="name">The transcript file prefix, e.g. <c>06-</c>.</param>
    /// <param name="loose">Compare only status code, kind and names (objects the real server defaults heavily, like pods).</param>
    public async Task<JsonNode?> ReplayAsync(string name, bool loose = false)
    {
        var t = Transcript.Load(name);
        var target = RewriteTarget(t.Target);
        using var request = new HttpRequestMessage(new HttpMethod(t.Method), target.TrimStart('/'));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (t.RequestBody is not null)
        {
            request.Content = new StringContent(RewriteBody(t.RequestBody), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(t.RequestHeaders["Content-Type"]);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        if (status != t.StatusCode)
        {
            failures.Add($"{t.Name}: status {status}, recorded {t.StatusCode}; body {Trim(text)}");
            return null;
        }

        if (t.ResponseHeaders.TryGetValue("Retry-After", out var retry) && response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) != retry)
        {
            failures.Add($"{t.Name}: Retry-After {response.Headers.RetryAfter}, recorded {retry}");
        }

        if (t.ResponseHeaders.TryGetValue("Warning", out var warning) && !(response.Headers.TryGetValues("Warning", out var ours) && ours.Contains(warning)))
        {
            failures.Add($"{t.Name}: Warning header missing, recorded {warning}");
        }

        if (!t.ResponseHeaders.TryGetValue("Content-Type", out var contentType) || !contentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            if (text != t.ResponseBody)
            {
                failures.Add($"{t.Name}: body {Trim(text)}, recorded {Trim(t.ResponseBody)}");
            }

            return null;
        }

        Learn(JsonNode.Parse(t.ResponseBody), JsonNode.Parse(text));
        var expected = JsonNode.Parse(RewriteBody(t.ResponseBody));
        var actual = JsonNode.Parse(text);
        var e = Normalize(expected, loose);
        var a = Normalize(actual, loose);
        if (!JsonNode.DeepEquals(e, a))
        {
            failures.Add($"{t.Name}:\n  expected {e?.ToJsonString()}\n  actual   {a?.ToJsonString()}");
        }

        return actual;
    }

    private static string Trim(string s) => s.Length > 400 ? s[..400] + "..." : s;

    private string RewriteTarget(string target)
    {
        var q = target.IndexOf('?', StringComparison.Ordinal);
        if (q < 0)
        {
            return target;
        }

        var parts = target[(q + 1)..].Split('&').Select(p =>
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                return p;
            }

            var value = Uri.UnescapeDataString(p[(eq + 1)..]);
            return substitutions.TryGetValue(value, out var replacement) ? p[..(eq + 1)] + Uri.EscapeDataString(replacement) : p;
        });
        return target[..q] + "?" + string.Join('&', parts);
    }

    private string RewriteBody(string body)
    {
        foreach (var (recorded, actual) in substitutions)
        {
            // A uid is unique enough to replace where messages quote it bare (a failed uid precondition names both).
            body = Guid.TryParse(recorded, out _)
                ? body.Replace(recorded, actual, StringComparison.Ordinal)
                : body.Replace("\"" + recorded + "\"", "\"" + actual + "\"", StringComparison.Ordinal);
        }

        return body;
    }

    private void Learn(JsonNode? expected, JsonNode? actual)
    {
        switch (expected)
        {
            case JsonObject eo when actual is JsonObject ao:
                foreach (var (key, value) in eo)
                {
                    if (key is "resourceVersion" or "uid" or "continue" && value is JsonValue ev && ev.TryGetValue<string>(out var es) && es.Length > 0
                        && ao[key] is JsonValue av && av.TryGetValue<string>(out var @as) && @as.Length > 0 && !substitutions.ContainsKey(es))
                    {
                        substitutions[es] = @as;
                    }
                    else if (key is not "managedFields")
                    {
                        Learn(value, ao[key]);
                    }
                }

                break;
            case JsonArray ea when actual is JsonArray aa && ea.Count == aa.Count:
                for (var i = 0; i < ea.Count; i++)
                {
                    Learn(ea[i], aa[i]);
                }

                break;
        }
    }

    private static JsonNode? Normalize(JsonNode? node, bool loose)
    {
        if (node is not JsonObject o)
        {
            return node?.DeepClone();
        }

        if (ObjectKind(o) == "Status")
        {
            var status = new JsonObject
            {
                ["status"] = o["status"]?.DeepClone(),
                ["reason"] = o["reason"]?.DeepClone(),
                ["code"] = o["code"]?.DeepClone(),
                ["message"] = o["message"] is JsonValue m ? Digits().Replace(m.GetValue<string>(), "#") : null,
                ["continue"] = o["metadata"]?["continue"] is JsonValue ? "<token>" : null,
            };
            if (o["details"] is JsonObject d)
            {
                var details = (JsonObject)d.DeepClone();
                details.Remove("uid");
                status["details"] = details;
            }

            return status;
        }

        var copy = (JsonObject)o.DeepClone();
        if (copy["items"] is JsonArray items)
        {
            var meta = copy["metadata"] as JsonObject;
            meta?.Remove("resourceVersion");
            if (meta?["continue"] is JsonValue c && c.GetValue<string>().Length > 0)
            {
                meta["continue"] = "<token>";
            }

            copy["items"] = new JsonArray(items.Select(i => Normalize(i, loose)).ToArray());
            return copy;
        }

        if (copy["metadata"] is JsonObject objectMeta)
        {
            foreach (var f in new[] { "uid", "resourceVersion", "creationTimestamp", "managedFields", "deletionTimestamp" })
            {
                objectMeta.Remove(f);
            }
        }

        if (loose)
        {
            return new JsonObject { ["kind"] = copy["kind"]?.DeepClone(), ["apiVersion"] = copy["apiVersion"]?.DeepClone(), ["name"] = copy["metadata"]?["name"]?.DeepClone(), ["labels"] = copy["metadata"]?["labels"]?.DeepClone() };
        }

        return copy;
    }

    private static string? ObjectKind(JsonObject o) => o["kind"] is JsonValue k && k.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();
}
