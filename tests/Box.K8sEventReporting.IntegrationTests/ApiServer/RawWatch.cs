using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Box.K8sEventReporting.IntegrationTests.ApiServer;

/// <summary>A watch stream read line by line over plain HTTP, to see exactly what the server writes.</summary>
internal sealed class RawWatch : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;

    private RawWatch(HttpResponseMessage response, StreamReader reader)
    {
        this.response = response;
        this.reader = reader;
    }

    public int StatusCode => (int)response.StatusCode;

    public static async Task<RawWatch> OpenAsync(HttpClient http, string pathAndQuery)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery.TrimStart('/'));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        return new RawWatch(response, new StreamReader(stream));
    }

    /// <summary>The next line, or null when the server ended the stream.</summary>
    public async Task<string?> NextLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? ApiServerTestHelpers.Timeout);
        return await reader.ReadLineAsync(cts.Token);
    }

    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        var line = await NextLineAsync(timeout);
        return line is null ? null : JsonNode.Parse(line)!.AsObject();
    }

    /// <summary>True when no line arrives within <paramref name="window"/> (for "nothing is delivered" checks).</summary>
    public async Task<bool> StaysQuietAsync(TimeSpan window)
    {
        var read = reader.ReadLineAsync();
        var finished = await Task.WhenAny(read, Task.Delay(window));
        pending = finished == read ? null : read;
        return finished != read;
    }

    private Task<string?>? pending;

    /// <summary>After <see cref="StaysQuietAsync"/>, the line that was still pending.</summary>
    public async Task<JsonObject?> PendingAsync()
    {
        var line = await (pending ?? reader.ReadLineAsync()).WaitAsync(ApiServerTestHelpers.Timeout);
        pending = null;
        return line is null ? null : JsonNode.Parse(line)!.AsObject();
    }

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
