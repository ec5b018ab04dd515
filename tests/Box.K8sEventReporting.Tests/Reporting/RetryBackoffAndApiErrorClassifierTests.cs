using System.Net;
using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Tests.Reporting;

public class RetryBackoffAndApiErrorClassifierTests
{
    private static EventReporterOptions Options() => new() { RetryBaseDelay = TimeSpan.FromSeconds(1), RetryMaxDelay = TimeSpan.FromSeconds(10) };

    [Theory]
    [InlineData(1, 0.0, 1000)]
    [InlineData(2, 0.0, 2000)]
    [InlineData(4, 0.0, 8000)]
    [InlineData(5, 0.0, 10000)]  // capped at the max delay
    [InlineData(12, 0.999999, 10000)] // jitter never passes the cap
    [InlineData(1, 0.5, 1100)]   // up to 20% more, never less
    [InlineData(1, 0.999999, 1200)]
    public void Delay_Table(int attempt, double jitter, int expectedMs)
    {
        var delay = Options().RetryDelay(attempt, jitter, null);

        Assert.Equal(expectedMs, delay.TotalMilliseconds, 0.5);
    }

    [Theory]
    [InlineData(30, 30_000)]   // honoured
    [InlineData(600, 60_000)]  // capped at six times the max delay
    [InlineData(0, 1000)]      // shorter than the backoff: backoff wins
    public void Delay_RetryAfter_IsHonouredUpToCap(int retryAfterSeconds, int expectedMs)
    {
        var delay = Options().RetryDelay(1, 0, TimeSpan.FromSeconds(retryAfterSeconds));

        Assert.Equal(expectedMs, delay.TotalMilliseconds, 0.5);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "Transient")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "Transient")]
    [InlineData(HttpStatusCode.GatewayTimeout, "Transient")]
    [InlineData(HttpStatusCode.TooManyRequests, "Transient")]
    [InlineData(HttpStatusCode.RequestTimeout, "Transient")]
    [InlineData(HttpStatusCode.Conflict, "Conflict")]
    [InlineData(HttpStatusCode.NotFound, "NotFound")]
    [InlineData(HttpStatusCode.UnprocessableEntity, "Permanent")]
    [InlineData(HttpStatusCode.Forbidden, "Permanent")]
    [InlineData(HttpStatusCode.BadRequest, "Permanent")]
    [InlineData(HttpStatusCode.UnsupportedMediaType, "Permanent")]
    public void Classify_StatusCodes(HttpStatusCode code, string expected)
    {
        Assert.Equal(expected, ApiErrorClassifier.Classify(FakeEventWriter.Status(code), out _, out _).ToString());
        ApiErrorClassifier.Classify(FakeEventWriter.Status(code), out _, out var status);
        Assert.Equal((int)code, status);
    }

    [Fact]
    public void Classify_NetworkError_IsTransient() =>
        Assert.Equal(ApiErrorKind.Transient, ApiErrorClassifier.Classify(new HttpRequestException("connection refused"), out _, out _));

    [Fact]
    public void Classify_RetryAfterHeader_IsRead()
    {
        ApiErrorClassifier.Classify(FakeEventWriter.Status(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(7)), out var retryAfter, out _);

        Assert.Equal(TimeSpan.FromSeconds(7), retryAfter);
    }
}
