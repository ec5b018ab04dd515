using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing.ApiServer;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Testing;

/// <summary>
/// Runs an application's controller composition (the same <c>AddK8sEventReporting(...).AddController&lt;T&gt;(...)</c> its
/// <c>Program.cs</c> uses) inside a test: over fakes, with no Kubernetes client at all, or over an
/// <see cref="InProcessApiServer"/>. A reconcile that fails makes the waits throw <see cref="ReconcileFailedException"/>
/// at once, and a composition that cannot start throws from <c>StartAsync</c> with the one-line reason.
/// </summary>
/// <remarks>
/// Over fakes, every watched type gets a <see cref="FakeCustomResourceWatcher{T}"/> with the indexes and transform the
/// composition asked for (so <c>ReportOnPodsConsumingSecret</c> works unchanged), Events go to <see cref="Events"/> and
/// status conditions to <see cref="Conditions"/>. Over the server, everything is real and talks HTTP to it.
/// </remarks>
public sealed partial class ControllerTestHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;
    private readonly Observer _observer;
    private readonly InProcessApiServer? _server;
    private readonly FakeEventRecorder? _events;
    private readonly FakeResourceConditionWriter? _conditions;

    private ControllerTestHost(ServiceProvider provider, Observer observer, InProcessApiServer? server, FakeEventRecorder? events, FakeResourceConditionWriter? conditions)
    {
        _provider = provider;
        _observer = observer;
        _server = server;
        _events = events;
        _conditions = conditions;
        _hosted = [.. provider.GetServices<IHostedService>()];
    }

    /// <summary>Gets the services, for example to resolve the application's own ones.</summary>
    public IServiceProvider Services => _provider;

    /// <summary>Gets every reconcile error so far, in order.</summary>
    public IReadOnlyList<ReconcileFailedException> ReconcileErrors => _observer.Errors;

    /// <summary>Gets the Events the controller recorded (over fakes only).</summary>
    /// <exception cref="InvalidOperationException">The host runs over an in-process API server: read Events from it.</exception>
    public FakeEventRecorder Events => _events ?? throw OverServer(nameof(Events));

    /// <summary>Gets the status conditions the controller wrote (over fakes only).</summary>
    /// <exception cref="InvalidOperationException">The host runs over an in-process API server: read the resource's status from it.</exception>
    public FakeResourceConditionWriter Conditions => _conditions ?? throw OverServer(nameof(Conditions));

    /// <summary>Starts <paramref name="compose"/>'s controllers over fakes: no API server.</summary>
    /// <param name="compose">Registers the application's services and calls <c>AddK8sEventReporting(...)</c>, as its <c>Program.cs</c> does.</param>
    /// <param name="cancellationToken">Stops starting.</param>
    /// <returns>The started host; dispose it to stop the controllers.</returns>
    /// <exception cref="InvalidOperationException">The composition cannot start; the message says why, in one line.</exception>
    /// <remarks>
    /// Services that need an <see cref="IKubernetes"/> get one whose every call fails with a message that says to use
    /// <see cref="StartAsync(InProcessApiServer, Action{IServiceCollection}, CancellationToken)"/> (unless the composition
    /// registers its own): the whole composition starts, and validation, Events and conditions are tested over fakes; a
    /// reconciler that writes to the cluster is tested over an in-process API server, where its writes can be read back.
    /// </remarks>
    public static Task<ControllerTestHost> StartAsync(Action<IServiceCollection> compose, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compose);
        var services = Compose(compose, withoutApiServer: true);
        var events = new FakeEventRecorder();
        var conditions = new FakeResourceConditionWriter();

        services.Replace(ServiceDescriptor.Singleton<IEventRecorder>(events));
        services.Replace(ServiceDescriptor.Singleton<IResourceConditionWriter>(conditions));
        foreach (var descriptor in services.Where(IsLibraryWatcher).ToArray())
        {
            services.Replace(FakeWatcherDescriptor(descriptor.ServiceType.GetGenericArguments()[0]));
        }

        return StartAsync(services, server: null, events, conditions, cancellationToken);
    }

    /// <summary>Starts <paramref name="compose"/>'s controllers over <paramref name="server"/>, through the real client and HTTP.</summary>
    /// <param name="server">The in-process API server; register the custom resource and create namespaces on it first.</param>
    /// <param name="compose">Registers the application's services and calls <c>AddK8sEventReporting(...)</c>, as its <c>Program.cs</c> does.</param>
    /// <param name="cancellationToken">Stops starting.</param>
    /// <returns>The started host; dispose it to stop the controllers.</returns>
    /// <exception cref="InvalidOperationException">The composition cannot start; the message says why, in one line.</exception>
    public static Task<ControllerTestHost> StartAsync(InProcessApiServer server, Action<IServiceCollection> compose, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(compose);
        var services = Compose(compose);
        services.Replace(ServiceDescriptor.Singleton(server.CreateClient()));
        return StartAsync(services, server, events: null, conditions: null, cancellationToken);
    }

    /// <summary>Gets the fake watcher of <typeparamref name="T"/>, to add, change and delete objects the controller sees (over fakes only).</summary>
    /// <typeparam name="T">A type the composition watches (its resource, <see cref="V1Pod"/> for pod reporting, owned types).</typeparam>
    /// <returns>The watcher.</returns>
    /// <exception cref="InvalidOperationException">Not over fakes, or the composition does not watch <typeparamref name="T"/>.</exception>
    public FakeCustomResourceWatcher<T> Watcher<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (_server is not null)
        {
            throw OverServer(nameof(Watcher));
        }

        return _provider.GetService<ICustomResourceWatcher<T>>() as FakeCustomResourceWatcher<T>
            ?? throw new InvalidOperationException($"The composition does not watch {typeof(T).Name}: add a controller or a watch of it.");
    }

    /// <summary>
    /// Waits until an Event with <paramref name="reason"/> about <paramref name="involvedName"/> in <paramref name="namespace"/>
    /// is recorded (over fakes) or exists on the server; throws <see cref="ReconcileFailedException"/> as soon as a reconcile fails.
    /// </summary>
    /// <param name="namespace">The involved object's namespace.</param>
    /// <param name="involvedName">The involved object's name: a pod, the resource, a workload.</param>
    /// <param name="reason">The Event's reason.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The Event.</returns>
    /// <exception cref="ReconcileFailedException">A reconcile failed while waiting (or before).</exception>
    /// <exception cref="FakeAssertionException">No such Event within <paramref name="timeout"/>.</exception>
    public async Task<RecordedEvent> WaitForEventAsync(string @namespace, string involvedName, string reason, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<RecordedEvent> wait = _server is null
            ? Events.WaitForEventAsync(@namespace, involvedName, reason, timeout, stop.Token)
            : FromServerAsync(_server, @namespace, involvedName, reason, timeout, stop.Token);
        try
        {
            return await _observer.UnlessAReconcileFailsAsync(wait).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until a condition of <paramref name="type"/> is written on the resource <paramref name="name"/> in
    /// <paramref name="namespace"/> (over fakes only) and returns the first such write; throws <see cref="ReconcileFailedException"/>
    /// as soon as a reconcile fails. The condition is written in the background after the Events, so wait for it rather
    /// than read <see cref="Conditions"/> right after an Event.
    /// </summary>
    /// <param name="namespace">The resource's namespace.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="status">The status to wait for, or <see langword="null"/> for any.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="type">The condition's type.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The written condition.</returns>
    /// <exception cref="ReconcileFailedException">A reconcile failed while waiting (or before).</exception>
    /// <exception cref="FakeAssertionException">No such condition within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The host runs over an in-process API server: read the resource's status from it.</exception>
    public async Task<WrittenCondition> WaitForConditionAsync(
        string @namespace, string name, ConditionStatus? status, TimeSpan timeout, string type = "Ready", CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wait = Conditions.WaitForConditionAsync(
            c => c.Namespace == @namespace && c.Name == name && c.Condition.Type == type && (status is null || c.Condition.Status == status),
            timeout,
            stop.Token);
        try
        {
            return await _observer.UnlessAReconcileFailsAsync(wait).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the next reconcile of one resource and returns its outcome; throws if it failed.</summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <param name="namespace">The resource's namespace, or <see langword="null"/> for a cluster-scoped one.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns><c>valid</c>, <c>invalid</c>, <c>requeue</c> or <c>deleted</c>; each reconcile is returned once, oldest first.</returns>
    /// <exception cref="ReconcileFailedException">That reconcile failed.</exception>
    /// <exception cref="FakeAssertionException">No reconcile of it within <paramref name="timeout"/>.</exception>
    public Task<string> WaitForReconcileAsync<T>(string? @namespace, string name, TimeSpan timeout, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        _observer.NextAsync(KubernetesEntityMetadata.TryOf(typeof(T), out var entity) ? entity.Kind : typeof(T).Name, new ResourceKey(@namespace, name), timeout, cancellationToken);

    /// <summary>Stops the controllers (in-flight reconciles drain) and disposes the services.</summary>
    /// <returns>A task that completes when everything is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var service in Enumerable.Reverse(_hosted))
        {
            await service.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _provider.DisposeAsync().ConfigureAwait(false);
    }

    private static ServiceCollection Compose(Action<IServiceCollection> compose, bool withoutApiServer = false)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (withoutApiServer)
        {
            // Before the composition, so the library adds no default client of its own: the composition's services that
            // need a client can be built, and a call through it says to use StartAsync(server, ...). A client the
            // composition registers itself comes later and wins.
            services.AddSingleton(NoApiServerClient.Create());
        }

        compose(services);
        if (!services.Any(static d => d.ServiceType == typeof(StartupCheck)))
        {
            throw new InvalidOperationException("The composition adds no controller: call services.AddK8sEventReporting(...).AddController<T>(...) in it.");
        }

        return services;
    }

    private static async Task<ControllerTestHost> StartAsync(
        ServiceCollection services, InProcessApiServer? server, FakeEventRecorder? events, FakeResourceConditionWriter? conditions, CancellationToken cancellationToken)
    {
        var observer = new Observer();
        services.AddSingleton<IReconcileObserver>(observer);
        var provider = services.BuildServiceProvider();
        ControllerTestHost host;
        try
        {
            host = new ControllerTestHost(provider, observer, server, events, conditions);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            foreach (var service in host._hosted)
            {
                await service.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            return provider.GetRequiredService<StartupCheck>().Problem is { } problem
                ? throw new InvalidOperationException("The controllers did not start: " + problem)
                : host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static bool IsLibraryWatcher(ServiceDescriptor descriptor) =>
        descriptor.ServiceType.IsGenericType
        && descriptor.ServiceType.GetGenericTypeDefinition() == typeof(ICustomResourceWatcher<>)
        && descriptor.ImplementationInstance is null;

    private static ServiceDescriptor FakeWatcherDescriptor(Type watched) =>
        (ServiceDescriptor)typeof(ControllerTestHost)
            .GetMethod(nameof(FakeWatcherDescriptorOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(watched)
            .Invoke(null, null)!;

    private static ServiceDescriptor FakeWatcherDescriptorOf<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        ServiceDescriptor.Singleton<ICustomResourceWatcher<T>>(sp => new FakeCustomResourceWatcher<T>(
            sp.GetRequiredService<IOptionsMonitor<CustomResourceWatcherOptions>>().Get(CustomResourceWatcherOptions.OptionsNameFor<T>())));

    private static async Task<RecordedEvent> FromServerAsync(InProcessApiServer server, string @namespace, string involvedName, string reason, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var e = await server.WaitForEventAsync(@namespace, involvedName, reason, timeout, cancellationToken).ConfigureAwait(false);
        return new RecordedEvent(e.InvolvedObject, new EventReport(Enum.Parse<EventType>(e.Type), e.Reason, e.Message ?? string.Empty));
    }

    private static InvalidOperationException OverServer(string member) =>
        new($"{member} is for a host over fakes; this one runs over an in-process API server: read from the server instead.");
}
