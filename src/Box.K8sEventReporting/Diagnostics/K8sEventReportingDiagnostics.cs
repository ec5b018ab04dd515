using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace Box.K8sEventReporting.Diagnostics;

/// <summary>The names under which the library publishes its metrics and traces.</summary>
/// <remarks>
/// Listen to the meter and activity source named <see cref="Name"/> (for example with OpenTelemetry's
/// <c>AddMeter</c> and <c>AddSource</c>). Instruments are prefixed <c>k8s_event_reporting.</c>.
/// </remarks>
public static class K8sEventReportingDiagnostics
{
    /// <summary>The name of the library's one <see cref="Meter"/> and one <see cref="ActivitySource"/>.</summary>
    public const string Name = "Box.K8sEventReporting";

    internal static readonly string Version =
        typeof(K8sEventReportingDiagnostics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.0.0";

    internal static readonly Meter Meter = new(Name, Version);

    internal static readonly ActivitySource ActivitySource = new(Name, Version);
}
