using System.Net;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>A non-success answer of the API server to a list or watch request.</summary>
internal sealed class KubernetesApiException : Exception
{
    public KubernetesApiException()
    {
    }

    public KubernetesApiException(string message)
        : base(message)
    {
    }

    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public KubernetesApiException(HttpStatusCode statusCode, V1Status? status, TimeSpan? retryAfter, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Status = status;
        RetryAfter = retryAfter;
    }

    public HttpStatusCode StatusCode { get; }

    public V1Status? Status { get; }

    public TimeSpan? RetryAfter { get; }

    /// <summary>Gets a value indicating whether the requested resourceVersion (or continue token) is too old: 410 Gone, or reason Expired or Gone.</summary>
    public bool IsExpired => StatusCode == HttpStatusCode.Gone || IsExpiredStatus(Status);

    /// <summary>
    /// Gets a value indicating whether the requested resourceVersion is newer than this API server has seen (504 with the cause
    /// <c>ResourceVersionTooLarge</c>, transcript 05e): an API server behind the others in a highly available control plane.
    /// </summary>
    public bool IsTooLargeResourceVersion =>
        Status?.Details?.Causes?.Any(c => c.Reason == "ResourceVersionTooLarge") == true
        || Status?.Message?.Contains("Too large resource version", StringComparison.Ordinal) == true;

    /// <summary>Whether a Status (of an error answer or an ERROR watch event) says the resourceVersion expired: code 410, or reason Expired or Gone.</summary>
    /// <param name="status">The Status, or null.</param>
    /// <returns>True when it says so.</returns>
    public static bool IsExpiredStatus(V1Status? status) =>
        status is not null && (status.Code == (int)HttpStatusCode.Gone || status.Reason is "Expired" or "Gone");
}
