using System.Text;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>One recorded exchange from <c>Transcripts/*.http</c> (see <c>Transcripts/README.md</c> for the format).</summary>
internal sealed record Transcript(string Name, string Method, string Target, IReadOnlyDictionary<string, string> RequestHeaders, string? RequestBody, int StatusCode, IReadOnlyDictionary<string, string> ResponseHeaders, string ResponseBody)
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Transcripts");

    public static Transcript Load(string name)
    {
        var file = System.IO.Directory.GetFiles(Directory, name + "*.http").Single();
        var text = File.ReadAllText(file, Encoding.UTF8);
        var headerEnd = text.IndexOf("\n\n", StringComparison.Ordinal);
        var requestLines = text[..headerEnd].Split('\n');
        var requestLine = requestLines[0].Split(' ');
        var requestHeaders = ParseHeaders(requestLines.Skip(1));
        var responseStart = text.IndexOf("\nHTTP/1.1 ", headerEnd, StringComparison.Ordinal);
        string? body = null;
        if (requestHeaders.TryGetValue("Content-Length", out var length))
        {
            body = text.Substring(headerEnd + 2, int.Parse(length, System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = text[(responseStart + 1)..];
        var responseHeaderEnd = response.IndexOf("\n\n", StringComparison.Ordinal);
        var responseLines = response[..responseHeaderEnd].Split('\n');
        var status = int.Parse(responseLines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return new Transcript(Path.GetFileNameWithoutExtension(file), requestLine[0], requestLine[1], requestHeaders, body, status, ParseHeaders(responseLines.Skip(1)), response[(responseHeaderEnd + 2)..]);
    }

    private static Dictionary<string, string> ParseHeaders(IEnumerable<string> lines)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return headers;
    }
}
