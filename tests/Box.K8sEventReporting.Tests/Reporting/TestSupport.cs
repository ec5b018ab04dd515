using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Watching;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Box.K8sEventReporting.Tests.Reporting;

/// <summary>Sums the library's counters by instrument and <c>cause</c> tag while alive.</summary>
/// <remarks>It hears only the meters of its own factory, so tests that use it run in parallel with every other test.</remarks>
internal sealed class MetricTotals : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, long> totals = new();
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public MetricTotals()
    {
        var factory = (IMeterFactory)services.GetService(typeof(IMeterFactory))!;
        Reporting = ReportingMetrics.Create(factory)!;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Box.K8sEventReporting" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? cause = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "cause")
                {
                    cause = tag.Value as string;
                }
            }

            totals.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
            if (cause is not null)
            {
                totals.AddOrUpdate(instrument.Name + "|" + cause, value, (_, v) => v + value);
            }
        });
        listener.Start();
    }

    /// <summary>Gets reporting metrics on this listener's own meter, to hand to the recorder or queue under test.</summary>
    public ReportingMetrics Reporting { get; }

    public long this[string name] => totals.TryGetValue(name, out var v) ? v : 0;

    public void Dispose()
    {
        listener.Dispose();
        services.Dispose();
    }
}

internal static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds, running <paramref name="step"/> (e.g. advancing fake time) between checks.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, Action? step = null, int timeoutMs = 10_000)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.ElapsedMilliseconds > timeoutMs)
            {
                throw new TimeoutException("The condition did not hold within " + timeoutMs + " ms.");
            }

            step?.Invoke();
            await Task.Yield();
            Thread.Yield();
        }
    }
}

/// <summary>A simulated API server for Events: stores counts by name, records calls, and fails on demand.</summary>
internal sealed class FakeEventWriter : IEventWriter
{
    private readonly ConcurrentQueue<Func<string, Exception?>> faults = new();

    public ConcurrentDictionary<string, long> Counts { get; } = new();

    public ConcurrentDictionary<string, EventWrite> Last { get; } = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Gets the involved object's name of every Event created, in order.</summary>
    public ConcurrentQueue<string> Created { get; } = new();

    public int Writes => Calls.Count(c => c != "read");

    /// <summary>Gets or sets the clock whose time each call records in <see cref="CallTimes"/>.</summary>
    public TimeProvider? Clock { get; set; }

    public ConcurrentQueue<DateTimeOffset> CallTimes { get; } = new();

    /// <summary>Gets or sets a gate that every call awaits first (to hold writes in flight).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public void FailNext(int times, Func<Exception> error)
    {
        for (var i = 0; i < times; i++)
        {
            faults.Enqueue(_ => error());
        }
    }

    public static HttpOperationException Status(HttpStatusCode code, TimeSpan? retryAfter = null)
    {
        var response = new HttpResponseMessage(code);
        if (retryAfter is { } after)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(after);
        }

        return new HttpOperationException("status " + (int)code) { Response = new HttpResponseMessageWrapper(response, string.Empty) };
    }

    public async Task CreateAsync(EventWrite write, long count, CancellationToken cancellationToken)
    {
        await Enter("create", cancellationToken);
        if (!Counts.TryAdd(write.Name, count))
        {
            throw Status(HttpStatusCode.Conflict);
        }

        Created.Enqueue(write.InvolvedObject.Name);
        Last[write.Name] = write;
    }

    public async Task PatchAsync(EventWrite write, long count, CancellationToken cancellationToken)
    {
        await Enter("patch", cancellationToken);
        if (!Counts.ContainsKey(write.Name))
        {
            throw Status(HttpStatusCode.NotFound);
        }

        Counts[write.Name] = count;
        Last[write.Name] = write;
    }

    public async Task<long> ReadCountAsync(EventWrite write, CancellationToken cancellationToken)
    {
        await Enter("read", cancellationToken);
        return Counts.TryGetValue(write.Name, out var count) ? count : throw Status(HttpStatusCode.NotFound);
    }

    /// <summary>Gets the number of times the component's Events were listed (not counted in <see cref="Calls"/>).</summary>
    public int Lists => Volatile.Read(ref lists);

    /// <summary>Gets or sets what listing throws, if anything (as a server that forbids it).</summary>
    public Exception? ListFault { get; set; }

    private int lists;

    public async IAsyncEnumerable<(string Namespace, string Name, long Count)> ListOwnAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref lists);
        await Task.Yield();
        if (ListFault is { } fault)
        {
            throw fault;
        }

        foreach (var (name, count) in Counts.ToArray())
        {
            yield return (Last.TryGetValue(name, out var write) ? write.Namespace : "default", name, count);
        }
    }

    private int entered;

    /// <summary>Gets the number of calls that started (including those held at <see cref="Gate"/>).</summary>
    public int Entered => Volatile.Read(ref entered);

    private async Task Enter(string operation, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref entered);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        CallTimes.Enqueue(Clock?.GetUtcNow() ?? default);
        Calls.Enqueue(operation);
        if (faults.TryDequeue(out var fault) && fault(operation) is { } error)
        {
            throw error;
        }
    }
}

/// <summary>A test-only pod cache over a list.</summary>
internal sealed class InMemoryCache<T> : IResourceCache<T>
    where T : class, k8s.IKubernetesObject<V1ObjectMeta>
{
    private readonly List<T> items;
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> indexes = new();

    public InMemoryCache(IEnumerable<T> items) => this.items = items.ToList();

    public TaskCompletionSource? Sync { get; set; }

    public bool HasSynced => Sync is null || Sync.Task.IsCompleted;

    public int Count => items.Count;

    public InMemoryCache<T> WithIndex(string name, Func<T, IEnumerable<string>> index)
    {
        indexes[name] = index;
        return this;
    }

    public Task WaitForInitialSyncAsync(CancellationToken cancellationToken = default) => Sync?.Task.WaitAsync(cancellationToken) ?? Task.CompletedTask;

    public T? Get(string? @namespace, string name) => items.FirstOrDefault(i => i.Metadata.NamespaceProperty == @namespace && i.Metadata.Name == name);

    public IReadOnlyList<T> List(string? @namespace = null) => items.Where(i => @namespace is null || i.Metadata.NamespaceProperty == @namespace).ToList();

    public IReadOnlyList<T> ListByIndex(string indexName, string indexedValue) =>
        indexes.TryGetValue(indexName, out var index) ? items.Where(i => index(i).Contains(indexedValue)).ToList() : throw new ArgumentException("no index " + indexName);
}

internal static class Pods
{
    public static V1Pod Bare(string name, string @namespace = "team-a", params V1Volume[] volumes) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Uid = "uid-" + @namespace + "-" + name, ResourceVersion = "1" },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app" }], Volumes = volumes.ToList() },
    };

    public static V1Volume SecretVolume(string secret) => new() { Name = "v-" + secret, Secret = new V1SecretVolumeSource { SecretName = secret } };

    public static V1ObjectReference Ref(string name, string @namespace = "team-a") => new() { Kind = "Pod", ApiVersion = "v1", Name = name, NamespaceProperty = @namespace, Uid = "uid-" + name };
}
