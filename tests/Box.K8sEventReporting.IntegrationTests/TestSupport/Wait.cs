namespace Box.K8sEventReporting.IntegrationTests.TestSupport;

/// <summary>Waits for a condition with a timeout instead of sleeping a fixed time.</summary>
public static class Wait
{
    /// <summary>The default patience: long enough for a loaded 2-core CI machine, short enough to fail fast.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Polls <paramref name="condition"/> until it holds, or throws <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    /// <param name="condition">The condition; it may throw, which counts as not yet.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="describe">Called on timeout to add the current state to the message.</param>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? describe = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout, describe);

    /// <summary>Polls an asynchronous <paramref name="condition"/> until it holds, or throws <see cref="TimeoutException"/>.</summary>
    /// <param name="condition">The condition; it may throw, which counts as not yet.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="describe">Called on timeout to add the current state to the message.</param>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var started = TimeProvider.System.GetTimestamp();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                last = ex;
            }

            if (TimeProvider.System.GetElapsedTime(started) > limit)
            {
                var state = describe is null ? string.Empty : " State: " + describe();
                throw new TimeoutException($"Timed out after {limit} waiting until {what}.{state}", last);
            }

            await Task.Delay(PollInterval, TimeProvider.System);
        }
    }

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="timeout"/>.</summary>
    /// <param name="task">The task.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    public static async Task ForAsync(Task task, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            await task.WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Timed out after {timeout ?? DefaultTimeout} waiting for {what}.", ex);
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a value, and returns it.</summary>
    /// <param name="probe">Returns the value, or null when it is not there yet; it may throw, which counts as not yet.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    public static async Task<T> ForValueAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        T? value = null;
        await UntilAsync(async () => (value = await probe()) is not null, what, timeout);
        return value!;
    }
}
