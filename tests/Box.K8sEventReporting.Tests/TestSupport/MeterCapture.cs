using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Diagnostics;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using Microsoft.Extensions.DependencyInjection;

namespace Box.K8sEventReporting.Tests.TestSupport;

/// <summary>
/// A meter factory of its own and a listener that hears only the meters it created: a test sees its own measurements and
/// no other test's, so metrics tests run in parallel with everything else.
/// </summary>
internal sealed class MeterCapture : IDisposable
{
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<Measured> measurements = new();

    public MeterCapture()
    {
        Factory = services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == K8sEventReportingDiagnostics.Name && ReferenceEquals(instrument.Meter.Scope, Factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
    }

    public IMeterFactory Factory { get; }

    public ControllerMetrics Controller => ControllerMetrics.Create(Factory)!;

    public ReportingMetrics Reporting => ReportingMetrics.Create(Factory)!;

    public WatcherMetrics Watcher => WatcherMetrics.Create(Factory)!;

    public IReadOnlyCollection<Measured> Measurements => measurements;

    /// <summary>Reads every observable gauge now.</summary>
    public void Collect() => listener.RecordObservableInstruments();

    /// <summary>Sums an instrument's measurements whose tags include every pair in <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Key, object? Value)[] tags) =>
        Matching(instrument, tags).Sum(m => m.Value);

    /// <summary>Counts an instrument's measurements whose tags include every pair in <paramref name="tags"/>.</summary>
    public int Count(string instrument, params (string Key, object? Value)[] tags) =>
        Matching(instrument, tags).Count();

    public void Dispose()
    {
        listener.Dispose();
        services.Dispose();
    }

    private IEnumerable<Measured> Matching(string instrument, (string Key, object? Value)[] tags) =>
        measurements.Where(m => m.Instrument == instrument && tags.All(t => Equals(m.Tags.GetValueOrDefault(t.Key), t.Value)));

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        measurements.Enqueue(new Measured(instrument.Name, instrument.Unit, value, copy));
    }

    internal sealed record Measured(string Instrument, string? Unit, double Value, Dictionary<string, object?> Tags);
}
