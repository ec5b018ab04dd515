using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace Box.K8sEventReporting.Diagnostics;

/// <summary>The names under which the library publishes its metrics and traces.</summary>
/// <remarks>
/// Listen to the meter and activity source named <see cref="Name"/> (for example with OpenTelemetry's
/// <c>AddMeter</c> and <c>AddSource</c>). The meter is created through the application's <see cref="IMeterFactory"/>, so
/// each service provider has its own. Instruments are prefixed <c>k8s_event_reporting.</c>, and the controller and work
/// queue instruments are also published under controller-runtime's names (<c>controller_runtime_*</c>, <c>workqueue_*</c>).
/// </remarks>
public static class K8sEventReportingDiagnostics
{
    /// <summary>The name of the library's <see cref="Meter"/> and of its one <see cref="ActivitySource"/>.</summary>
    public const string Name = "Box.K8sEventReporting";

    internal static readonly string Version =
        typeof(K8sEventReportingDiagnostics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.0.0";

    // Traces have no factory in .NET: a listener subscribes to the source by name, and the source holds no state of its own.
    internal static readonly ActivitySource ActivitySource = new(Name, Version);

    /// <summary>Gets the library's meter from <paramref name="meterFactory"/> (the factory caches it and disposes it with the services).</summary>
    internal static Meter? CreateMeter(IMeterFactory? meterFactory) =>
        meterFactory?.Create(new MeterOptions(Name) { Version = Version });
}
