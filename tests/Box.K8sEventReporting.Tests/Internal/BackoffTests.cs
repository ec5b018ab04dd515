using Box.K8sEventReporting.Internal;

namespace Box.K8sEventReporting.Tests.Internal;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 10)]
    [InlineData(9, 2560)]
    [InlineData(18, 1_000_000)]        // capped
    [InlineData(1_000, 1_000_000)]     // saturates instead of overflowing
    [InlineData(int.MaxValue, 1_000_000)]
    public void Exponential_Table_DoublesPerExponentUpToMax(int exponent, long expectedMilliseconds)
    {
        var delay = Backoff.Exponential(TimeSpan.FromMilliseconds(5), exponent, TimeSpan.FromSeconds(1000));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), delay);
    }
}
