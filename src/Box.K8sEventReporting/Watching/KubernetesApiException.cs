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

    public bool IsGone => StatusCode == HttpStatusCode.Gone || Status?.Code == 410;
}
