using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;

namespace Box.K8sEventReporting.Testing;

/// <summary>
/// Reads the API server's <c>Warning</c> response headers (<c>299 - "text"</c>, for example an admission webhook's
/// warnings) as kubectl does, which prints each as <c>Warning: text</c>. Add it to a KubernetesClient
/// (<c>new Kubernetes(configuration, warnings)</c>) to collect them, or parse a response's headers with <see cref="Parse"/>.
/// </summary>
public sealed class KubectlWarnings : DelegatingHandler
{
    private readonly ConcurrentQueue<string> _received = new();

    /// <summary>Takes the warnings received since the last call, in order.</summary>
    /// <returns>Each warning's text.</returns>
    public IReadOnlyList<string> Take()
    {
        var taken = new List<string>();
        while (_received.TryDequeue(out var text))
        {
            taken.Add(text);
        }

        return taken;
    }

    /// <summary>The texts of the <c>Warning</c> headers of a response, unquoted; headers of another form are skipped.</summary>
    /// <param name="headers">The response's headers.</param>
    /// <returns>The texts, in order.</returns>
    public static IReadOnlyList<string> Parse(HttpResponseHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return headers.NonValidated.TryGetValues("Warning", out var values)
            ? [.. values.Select(ParseOne).OfType<string>()]
            : [];
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        foreach (var text in Parse(response.Headers))
        {
            _received.Enqueue(text);
        }

        return response;
    }

    /// <summary>One <c>299 - "text"</c> value (code, agent, quoted text with <c>\</c> escapes), or <see langword="null"/>.</summary>
    private static string? ParseOne(string value)
    {
        var parts = value.Split(' ', 3);
        if (parts.Length != 3 || parts[0] != "299" || parts[2].Length < 2 || parts[2][0] != '"')
        {
            return null;
        }

        var text = new StringBuilder();
        for (var i = 1; i < parts[2].Length; i++)
        {
            var c = parts[2][i];
            if (c == '"')
            {
                return text.ToString();
            }

            if (c == '\\' && i + 1 < parts[2].Length)
            {
                c = parts[2][++i];
            }

            text.Append(c);
        }

        return null;
    }
}
