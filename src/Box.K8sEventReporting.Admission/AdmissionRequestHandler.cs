using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Admission;

/// <summary>Answers one HTTP request: POST of an AdmissionReview to a type's path, the answer as JSON; anything else one clear status.</summary>
internal sealed class AdmissionRequestHandler(IEnumerable<IAdmissionEndpoint> endpoints, ILogger logger, AdmissionMetrics? metrics = null)
{
    /// <summary>The largest body read: the API server's own request limit is 3 MiB, and a review carries the object twice on update.</summary>
    public const long MaxBodyBytes = 8 * 1024 * 1024;

    private readonly Dictionary<string, IAdmissionEndpoint> _byPath = endpoints.ToDictionary(static e => e.Path, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Paths => _byPath.Keys;

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (!_byPath.TryGetValue(path, out var endpoint))
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, path, "no admission webhook on this path; served: " + string.Join(", ", _byPath.Keys)).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, path, "only POST of an AdmissionReview").ConfigureAwait(false);
            return;
        }

        AdmissionRequest request;
        try
        {
            if (context.Request.ContentLength > MaxBodyBytes)
            {
                throw new FormatException($"the body is larger than {MaxBodyBytes} bytes");
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
            request = AdmissionReviewJson.Parse(body.GetBuffer().AsMemory(0, (int)body.Length));
        }
        catch (Exception ex) when (ex is FormatException or BadHttpRequestException)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, path, ex.Message).ConfigureAwait(false);
            return;
        }

        var answer = await endpoint.ReviewAsync(request, context.RequestAborted).ConfigureAwait(false);
        var json = AdmissionReviewJson.Write(answer);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        await context.Response.Body.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task RefuseAsync(HttpContext context, int statusCode, string path, string reason)
    {
        metrics?.Reviewed("bad_request");
        Log.BadRequest(logger, Reporting.EventMessage.Sanitize(path, 256), reason);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason + "\n", context.RequestAborted).ConfigureAwait(false);
    }
}
