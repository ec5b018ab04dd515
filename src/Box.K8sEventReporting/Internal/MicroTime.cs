namespace Box.K8sEventReporting.Internal;

/// <summary>
/// Values for the API's <c>MicroTime</c> fields (a Lease's <c>acquireTime</c> and <c>renewTime</c>, an Event's
/// <c>eventTime</c> and <c>series.lastObservedTime</c>), which the API server decodes only with exactly six fractional digits.
/// </summary>
/// <remarks>
/// KubernetesClient writes a <see cref="DateTime"/> with no sub-second part as <c>…:57Z</c>, which a real API server refuses
/// with 400 (<c>parsing time … as "2006-01-02T15:04:05.000000Z07:00"</c>). A clock can land on a whole second (a fake one in
/// tests always does), so such a value is moved one microsecond on: the field's own precision, invisible to any reader.
/// </remarks>
internal static class MicroTime
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    /// <summary>Truncates <paramref name="time"/> to microseconds (UTC), moving a whole second on by one microsecond.</summary>
    /// <param name="time">The instant.</param>
    /// <returns>A UTC <see cref="DateTime"/> that KubernetesClient writes with six fractional digits.</returns>
    public static DateTime From(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - (time.UtcTicks % TicksPerMicrosecond);
        if (ticks % TimeSpan.TicksPerSecond == 0)
        {
            ticks += TicksPerMicrosecond;
        }

        return new DateTime(ticks, DateTimeKind.Utc);
    }
}
