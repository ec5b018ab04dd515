using System.Globalization;
using System.Net;
using k8s.Autorest;

namespace Box.K8sEventReporting.Reporting;

/// <summary>How a failed API call should be handled.</summary>
internal enum ApiErrorKind
{
    /// <summary>Try again after a backoff: 5xx, 429, 408, timeouts and network errors.</summary>
    Transient,

    /// <summary>409 AlreadyExists (or Conflict) on create: read the object and patch it.</summary>
    Conflict,

    /// <summary>404: on a patch or read, create instead; on a create, the namespace is gone and it cannot succeed.</summary>
    NotFound,

    /// <summary>Any other 4xx: the request cannot succeed; drop it with a log line.</summary>
    Permanent,
}

/// <summary>Classifies API errors in one place.</summary>
internal static class ApiErrorClassifier
{
    /// <summary>Classifies <paramref name="exception"/>.</summary>
    /// <param name="exception">What the API call threw.</param>
    /// <param name="retryAfter">The server's <c>Retry-After</c>, when it sent one.</param>
    /// <param name="statusCode">The HTTP status, or 0 for network errors.</param>
    /// <returns>The kind of error.</returns>
    public static ApiErrorKind Classify(Exception exception, out TimeSpan? retryAfter, out int statusCode)
    {
        retryAfter = null;
        statusCode = 0;
        if (exception is not HttpOperationException { Response: { } response })
        {
            // HttpRequestException, IOException, timeouts (TaskCanceledException not caused by our token), JSON of a cut body.
            return ApiErrorKind.Transient;
        }

        statusCode = (int)response.StatusCode;
        retryAfter = ParseRetryAfter(response);
        return response.StatusCode switch
        {
            HttpStatusCode.Conflict => ApiErrorKind.Conflict,
            HttpStatusCode.NotFound => ApiErrorKind.NotFound,
            HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => ApiErrorKind.Transient,
            >= HttpStatusCode.InternalServerError => ApiErrorKind.Transient,
            _ => ApiErrorKind.Permanent,
        };
    }

    private static TimeSpan? ParseRetryAfter(HttpResponseMessageWrapper response)
    {
        if (response.Headers is null)
        {
            return null;
        }

        foreach (var header in response.Headers)
        {
            if (!string.Equals(header.Key, "Retry-After", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return TimeSpan.FromSeconds(seconds);
                }
            }
        }

        return null;
    }
}
