namespace Box.K8sEventReporting.IntegrationTests.TestSupport;

/// <summary>Wait-until-with-timeout: the only way integration tests wait for an eventually consistent state.</summary>
public static class Wait
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            try
            {
                // Polling interval of the wait helper, not synchronisation: the condition decides.
                await Task.Delay(PollInterval, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                if (await condition())
                {
                    return;
                }

                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            }
        }
    }

    public static async Task<T> ForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        T? value = null;
        await UntilAsync(async () => (value = await probe()) is not null, timeout, what);
        return value!;
    }
}
