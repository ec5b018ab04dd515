using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Composes the controller of one resource type: its validators, reconciler, where to report and what else to watch.</summary>
/// <typeparam name="T">The resource type, watched through its <see cref="KubernetesEntityAttribute"/>.</typeparam>
public sealed class ControllerBuilder<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ControllerRegistration<T> _registration;

    internal ControllerBuilder(IServiceCollection services, ControllerRegistration<T> registration)
    {
        Services = services;
        _registration = registration;
    }

    /// <summary>Gets the service collection, for registrations this builder has no method for.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a validator, resolved from DI as a singleton; every validator runs and their failures are combined.</summary>
    /// <typeparam name="TValidator">The validator type.</typeparam>
    /// <returns>This builder.</returns>
    public ControllerBuilder<T> AddValidator<TValidator>()
        where TValidator : class, IValidator<T>
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidator<T>, TValidator>());
        return this;
    }

    /// <summary>Adds a validator function.</summary>
    /// <param name="validate">Returns <see cref="ValidationResult.Success"/> or every failure of the resource.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="validate"/> is <see langword="null"/>.</exception>
    public ControllerBuilder<T> AddValidator(Func<T, CancellationToken, ValueTask<ValidationResult>> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        Services.AddSingleton<IValidator<T>>(new DelegateValidator<T>(validate));
        return this;
    }

    /// <summary>Sets the reconciler run for valid resources, resolved from DI as a singleton.</summary>
    /// <typeparam name="TReconciler">The reconciler type.</typeparam>
    /// <returns>This builder.</returns>
    /// <remarks>
    /// Without a reconciler, valid resources only get their Ready condition. There is one reconciler per type: like every
    /// registration of this library it is added with <c>TryAdd</c>, so the first one registered (for example a test double
    /// registered before this call) wins and later calls are ignored.
    /// </remarks>
    public ControllerBuilder<T> AddReconciler<TReconciler>()
        where TReconciler : class, IReconciler<T>
    {
        Services.TryAddSingleton<IReconciler<T>, TReconciler>();
        return this;
    }

    /// <summary>Sets a reconciler function run for valid resources.</summary>
    /// <param name="reconcile">Reconciles one valid resource; see <see cref="IReconciler{T}"/> for what results and exceptions do.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reconcile"/> is <see langword="null"/>.</exception>
    public ControllerBuilder<T> AddReconciler(Func<T, CancellationToken, ValueTask<ReconcileResult>> reconcile)
    {
        ArgumentNullException.ThrowIfNull(reconcile);
        Services.TryAddSingleton<IReconciler<T>>(new DelegateReconciler<T>(reconcile));
        return this;
    }

    /// <summary>Reports validation failures also on the pods that <typeparamref name="TSelector"/> finds.</summary>
    /// <typeparam name="TSelector">The selector type, resolved from DI as a singleton.</typeparam>
    /// <returns>This builder.</returns>
    public ControllerBuilder<T> ReportOnPods<TSelector>()
        where TSelector : class, IAffectedPodSelector<T>
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAffectedPodSelector<T>, TSelector>());
        return this;
    }

    /// <summary>
    /// Reports validation failures on the pods that consume the resource's Secret (volume, projected volume, env, envFrom),
    /// and reconciles a resource as soon as such a pod appears, so a new pod of an invalid resource gets its Warning at once.
    /// </summary>
    /// <param name="secretName">The name of the Secret a resource provides, in the resource's namespace.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="secretName"/> is <see langword="null"/>.</exception>
    public ControllerBuilder<T> ReportOnPodsConsumingSecret(Func<T, string?> secretName)
    {
        ArgumentNullException.ThrowIfNull(secretName);
        PodSelectorRegistration.AddSecretConsumerSelector(Services, secretName);
        return Watches<V1Pod>(
            services =>
            {
                var primary = services.GetRequiredService<ICustomResourceWatcher<T>>().Cache;
                return pod =>
                {
                    var consumed = PodSecretUsage.IndexValues(pod).ToHashSet(StringComparer.Ordinal);
                    var ns = pod.Metadata?.NamespaceProperty;
                    return consumed.Count == 0
                        ? []
                        : primary.List(ns)
                            .Where(resource => secretName(resource) is { Length: > 0 } name && consumed.Contains(PodSecretUsage.IndexValue(ns, name)))
                            .Select(ResourceKey.From);
                };
            },
            static change => change.Type == ResourceChangeType.Added
                || (change.Type == ResourceChangeType.Modified && change.OldResource is null));
    }

    /// <summary>
    /// Reconciles resources when objects of another type change: <paramref name="map"/> turns each changed object (and its
    /// previous state) into the keys of the resources it affects.
    /// </summary>
    /// <typeparam name="TOther">The watched type; its watcher is registered if none is.</typeparam>
    /// <param name="map">Maps a changed object to resource keys; called on the watch loop, keep it cheap (use a cache).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is <see langword="null"/>.</exception>
    public ControllerBuilder<T> Watches<TOther>(Func<TOther, IEnumerable<ResourceKey>> map)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(map);
        return Watches<TOther>(_ => map, filter: null);
    }

    /// <summary>
    /// Declares that the resources own <typeparamref name="TOther"/> children: adds an
    /// <see cref="OwnedChildWriter{TChild}"/> for reconcilers to take (it creates and updates only children the resource
    /// controls, and reports any other object of that name as a conflict), and reconciles the owner of a child (found by its
    /// <c>ownerReferences</c>) when that child is changed or deleted by someone else, so that, for example, a provisioned
    /// Secret that is deleted is provisioned again.
    /// </summary>
    /// <typeparam name="TOther">The owned type; its watcher is registered if none is.</typeparam>
    /// <returns>This builder.</returns>
    /// <remarks>
    /// The <typeparamref name="TOther"/> watch lists and watches only objects labelled
    /// <c>app.kubernetes.io/managed-by=</c><see cref="ControllerOptions.ManagedBy"/> (the label the writer puts on every
    /// child), so other objects of that type (another team's Secrets) are never listed, watched or held in memory. The
    /// service account needs <c>list</c> and <c>watch</c> (with that selector), <c>create</c>, <c>update</c> and <c>get</c>
    /// (the one object a create answered 409 AlreadyExists) on the type.
    /// </remarks>
    public ControllerBuilder<T> Owns<TOther>()
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        OwnedChildRegistration.TryAddWriter<TOther>(Services);
        var entity = KubernetesEntityMetadata.Of<T>();
        return Watches<TOther>(
            _ => other => (other.Metadata?.OwnerReferences ?? [])
                .Where(o => o.Kind == entity.Kind && o.ApiVersion == entity.ApiVersion)
                .Select(o => new ResourceKey(other.Metadata!.NamespaceProperty, o.Name)),
            static change => change.Type is ResourceChangeType.Modified or ResourceChangeType.Deleted);
    }

    /// <summary>
    /// Chooses which updates of a resource are reconciled, instead of the default: those that change its
    /// <c>metadata.generation</c> (its spec) or its <c>metadata.deletionTimestamp</c>. Creations and deletions are always
    /// reconciled; so are updates of an object whose generation is not set.
    /// </summary>
    /// <param name="predicate">Given the previous and the new state, returns whether to reconcile; called on the watch loop, keep it cheap.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="predicate"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Status writes (the controller's own included) keep the generation: a predicate that lets them through makes every
    /// status write cause another reconcile.
    /// </remarks>
    public ControllerBuilder<T> ReconcileOnUpdate(Func<T, T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        _registration.UpdatePredicate = predicate;
        return this;
    }

    /// <summary>Revalidates every resource when the options <typeparamref name="TOptions"/> change (a reloaded file, a ConfigMap).</summary>
    /// <typeparam name="TOptions">Options read through <see cref="IOptionsMonitor{TOptions}"/>.</typeparam>
    /// <returns>This builder.</returns>
    public ControllerBuilder<T> RevalidateOnChangeOf<TOptions>()
        where TOptions : class
    {
        _registration.Hooks.Add(static (services, controller) =>
        {
            var logger = LoggerFor(services);
            return services.GetRequiredService<IOptionsMonitor<TOptions>>().OnChange((_, _) =>
            {
                Log.RevalidatingOnChange(logger, typeof(TOptions).Name, typeof(T).Name);
                controller.RequeueAll();
            });
        });
        return this;
    }

    /// <summary>Revalidates every resource each time a change token that <paramref name="changeToken"/> produces fires.</summary>
    /// <param name="changeToken">Produces the current change token (for example a file provider's <c>Watch</c>).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="changeToken"/> is <see langword="null"/>.</exception>
    public ControllerBuilder<T> RevalidateOnChange(Func<IServiceProvider, IChangeToken?> changeToken)
    {
        ArgumentNullException.ThrowIfNull(changeToken);
        _registration.Hooks.Add((services, controller) =>
        {
            var logger = LoggerFor(services);
            return ChangeToken.OnChange(
                () => changeToken(services),
                () =>
                {
                    Log.RevalidatingOnChange(logger, "A change token", typeof(T).Name);
                    controller.RequeueAll();
                });
        });
        return this;
    }

    /// <summary>
    /// When the fan-out cap (<see cref="EventReporterOptions.MaxPodsPerOwner"/>) sends an Event to the workload instead of
    /// to every pod, sends it to the Deployment that owns a pod's ReplicaSet rather than to the ReplicaSet.
    /// </summary>
    /// <returns>This builder.</returns>
    /// <remarks>
    /// Adds a cached watch of ReplicaSets (the owner is read from the cache, never with a GET), so the service account
    /// needs <c>list</c> and <c>watch</c> on <c>replicasets.apps</c>. Without it, capped Events go to the ReplicaSet.
    /// </remarks>
    public ControllerBuilder<T> ReportOnOwningDeployments() =>
        Watches<V1ReplicaSet>(static _ => static _ => [], static _ => false);

    internal ControllerBuilder<T> Watches<TOther>(
        Func<IServiceProvider, Func<TOther, IEnumerable<ResourceKey>>> mapFactory,
        Func<ResourceChange<TOther>, bool>? filter)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        WatcherRegistration.TryAddWatcher<TOther>(Services);
        _registration.SecondaryWatches.Add(services => new MappedSource<TOther>(
            services.GetRequiredService<ICustomResourceWatcher<TOther>>(),
            mapFactory(services),
            filter,
            LoggerFor(services),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ControllerMetrics>()));
        return this;
    }

    private static ILogger LoggerFor(IServiceProvider services) =>
        (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Box.K8sEventReporting.Controller." + typeof(T).Name);
}
