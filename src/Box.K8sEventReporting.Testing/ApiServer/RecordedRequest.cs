namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>A request the <see cref="InProcessApiServer"/> received, so tests can count API calls.</summary>
/// <param name="Method">The HTTP method (<c>GET</c>, <c>POST</c>, ...).</param>
/// <param name="Verb">The Kubernetes verb: <c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, <c>update</c>, <c>patch</c>, <c>delete</c>, <c>deletecollection</c>, or the lower-case method for other paths.</param>
/// <param name="Path">The request path, for example <c>/api/v1/namespaces/team-a/pods</c>.</param>
/// <param name="Query">The query string including the leading <c>?</c>, or empty.</param>
/// <param name="StatusCode">The HTTP status code sent (200 for a watch, whatever its stream later held); 0 while no response has started (still being handled, or the client went away first).</param>
public sealed record RecordedRequest(string Method, string Verb, string Path, string Query, int StatusCode)
{
    /// <summary>Gets the HTTP protocol the request came over: <c>HTTP/1.1</c>, or <c>HTTP/2</c> over HTTPS when the client negotiated it.</summary>
    public string Protocol { get; init; } = string.Empty;
}
