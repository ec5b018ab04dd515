using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Box.K8sEventReporting.Primitives;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// Lists and opens watches for one resource type through KubernetesClient's own request path (<see cref="ClientRequestPath"/>:
/// its HTTP version, tls-server-name, credentials and <see cref="Kubernetes.HttpClient"/>). Responses are read here, not by
/// the generated client, so that each object is decoded on its own and a watch is read as it streams.
/// </summary>
internal sealed class ResourceHttpClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private const int MaxErrorBodyChars = 16 * 1024;
    private static readonly MediaTypeWithQualityHeaderValue JsonMediaType = new("application/json");
    private static readonly Dictionary<string, IReadOnlyList<string>> AcceptJson = new(StringComparer.OrdinalIgnoreCase) { ["Accept"] = ["application/json"] };
    private readonly Kubernetes kubernetes;
    private readonly Func<string, IReadOnlyDictionary<string, IReadOnlyList<string>>, CancellationToken, Task<HttpResponseMessage>>? clientPath;
    private readonly KubernetesEntityMetadata resource;
    private readonly ResourceDecoder<T> decoder;
    private readonly string? labelSelector;
    private readonly string? fieldSelector;
    private readonly TimeSpan requestTimeout;
    private readonly TimeProvider timeProvider;

    public ResourceHttpClient(
        Kubernetes kubernetes,
        KubernetesEntityMetadata resource,
        ResourceDecoder<T> decoder,
        string? labelSelector,
        string? fieldSelector,
        TimeSpan requestTimeout,
        TimeProvider timeProvider)
    {
        this.kubernetes = kubernetes;
        clientPath = ClientRequestPath.Bind(kubernetes);
        this.resource = resource;
        this.decoder = decoder;
        this.labelSelector = labelSelector;
        this.fieldSelector = fieldSelector;
        this.requestTimeout = requestTimeout;
        this.timeProvider = timeProvider;
    }

    /// <summary>Reads one page of the list.</summary>
    /// <param name="namespace">The namespace, or null for every namespace.</param>
    /// <param name="resourceVersion">"0" (any version: the watch cache), a version (not older than it), or "" (consistent read).</param>
    /// <param name="limit">The page size; 0 for no limit.</param>
    /// <param name="continueToken">The previous page's continue token (sent instead of the resourceVersion), or null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="KubernetesApiException">The API server answered with an error.</exception>
    public async Task<ResourceListPage<T>> ListPageAsync(string? @namespace, string resourceVersion, int limit, string? continueToken, CancellationToken cancellationToken)
    {
        var query = new StringBuilder();
        Append(query, "limit", limit > 0 ? limit.ToString(CultureInfo.InvariantCulture) : null);
        Append(query, "continue", continueToken);

        // A continue token carries its own version; the server refuses both together.
        Append(query, "resourceVersion", continueToken is null ? resourceVersion : null);
        Append(query, "labelSelector", labelSelector);
        Append(query, "fieldSelector", fieldSelector);
        using var timeout = new CancellationTokenSource(requestTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var response = await SendAsync(@namespace, query, linked.Token).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
        var (items, listVersion, next) = decoder.DecodeList(body);
        if (string.IsNullOrEmpty(listVersion))
        {
            throw new KubernetesApiException(response.StatusCode, null, null, $"The list of {resource.Plural} has no metadata.resourceVersion.");
        }

        return new ResourceListPage<T>(items, listVersion, string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>Opens a watch from <paramref name="resourceVersion"/>; the caller reads and disposes the response.</summary>
    /// <exception cref="KubernetesApiException">The API server answered with an error.</exception>
    public Task<HttpResponseMessage> OpenWatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var query = new StringBuilder();
        Append(query, "watch", "true");
        Append(query, "resourceVersion", resourceVersion);
        Append(query, "allowWatchBookmarks", "true");
        Append(query, "timeoutSeconds", timeoutSeconds.ToString(CultureInfo.InvariantCulture));
        Append(query, "labelSelector", labelSelector);
        Append(query, "fieldSelector", fieldSelector);
        return SendAsync(@namespace, query, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(string? @namespace, StringBuilder query, CancellationToken cancellationToken)
    {
        var relativeUri = resource.GetCollectionPath(@namespace) + query;
        if (clientPath is not null)
        {
            try
            {
                return await clientPath(relativeUri, AcceptJson, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response is { } response)
            {
                response.Headers.TryGetValue("Retry-After", out var retryAfter);
                throw ToException(response.StatusCode, response.Content ?? string.Empty, retryAfter?.FirstOrDefault(), ex.Request?.RequestUri);
            }
        }

        // No such path in this KubernetesClient version: the same request built here (without tls-server-name and DisableHttp2).
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(kubernetes.BaseUri, relativeUri))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.Accept.Add(JsonMediaType);
        if (kubernetes.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var sent = await kubernetes.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (sent.IsSuccessStatusCode)
        {
            return sent;
        }

        using (sent)
        {
            string body;
            try
            {
                body = await sent.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                body = string.Empty;
            }

            throw ToException(sent.StatusCode, body, sent.Headers.RetryAfter?.ToString(), request.RequestUri);
        }
    }

    private KubernetesApiException ToException(HttpStatusCode statusCode, string body, string? retryAfterHeader, Uri? requestUri)
    {
        if (body.Length > MaxErrorBodyChars)
        {
            body = body[..MaxErrorBodyChars];
        }

        V1Status? status = null;
        try
        {
            status = body.StartsWith('{') ? KubernetesJson.Deserialize<V1Status>(body) : null;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            // Not a Status (for example "404 page not found" in text/plain): keep the body as the message.
        }

        TimeSpan? retryAfter = null;
        if (RetryConditionHeaderValue.TryParse(retryAfterHeader, out var header))
        {
            retryAfter = header.Delta ?? (header.Date is { } date ? date - timeProvider.GetUtcNow() : null);
        }
        else if (status?.Details?.RetryAfterSeconds is int seconds and > 0)
        {
            retryAfter = TimeSpan.FromSeconds(seconds);
        }

        if (retryAfter < TimeSpan.Zero)
        {
            retryAfter = TimeSpan.Zero;
        }

        var message = $"GET {requestUri?.AbsolutePath} answered {(int)statusCode} {status?.Reason}: {status?.Message ?? body}";
        if (statusCode == HttpStatusCode.NotFound && status is null && resource.Group.Length > 0)
        {
            // "404 page not found": the server does not serve the type at all, which for a custom resource means its CRD is missing.
            message = $"the API server does not serve {resource.Plural}.{resource.Group} ({resource.ApiVersion}; GET {requestUri?.AbsolutePath} answered 404 page not found): " +
                $"install the CustomResourceDefinition {resource.Plural}.{resource.Group}, for example with kubectl apply -f crds/{resource.Plural}.{resource.Group}.yaml " +
                "(the file Box.K8sEventReporting.CustomResourceDefinitions generates from the class); listing is retried until it is served";
        }

        return new KubernetesApiException(statusCode, status, retryAfter, message);
    }

    private static void Append(StringBuilder query, string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        query.Append(query.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
    }
}

/// <summary>One page of a list: decoded items (or decode failures), the list's resourceVersion and the continue token.</summary>
internal sealed record ResourceListPage<T>(IReadOnlyList<WatchEvent<T>> Items, string ResourceVersion, string? Continue)
    where T : class, IKubernetesObject<V1ObjectMeta>;
