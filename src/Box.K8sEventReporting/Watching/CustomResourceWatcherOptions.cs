using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Watching;

/// <summary>Settings of a <see cref="CustomResourceWatcher{T}"/>: scope, paging, backoff, timeouts, buffers and cache shaping.</summary>
/// <remarks>
/// The defaults follow client-go's reflector. The watcher validates the options once, in its constructor, and reports every
/// invalid setting at once; changing the options after the watcher was created has no effect.
/// </remarks>
public sealed class CustomResourceWatcherOptions
{
    internal const int DefaultPageSize = 500;
    internal const int DefaultConsumerBufferSize = 1024;
    internal static readonly TimeSpan DefaultInitialBackoff = TimeSpan.FromMilliseconds(800);
    internal static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan DefaultBackoffResetAfter = TimeSpan.FromMinutes(2);
    internal static readonly TimeSpan DefaultMinWatchTimeout = TimeSpan.FromMinutes(5);
    internal static readonly TimeSpan DefaultMaxWatchTimeout = TimeSpan.FromMinutes(10);
    internal static readonly TimeSpan DefaultInactivityTimeout = TimeSpan.FromMinutes(1);
    internal static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(60);

    private readonly List<IndexRegistration> indexes = [];

    /// <summary>Gets the namespaces to watch; empty means every namespace (cluster-wide).</summary>
    /// <value>Empty: cluster-wide.</value>
    /// <remarks>
    /// With one namespace the watcher lists and watches that namespace only. With several, it runs one list+watch per
    /// namespace (for deployments that are granted only namespaced RBAC) and merges them into one cache.
    /// Leave it empty for cluster-scoped types.
    /// </remarks>
    public IList<string> Namespaces { get; } = new List<string>();

    /// <summary>Gets or sets a label selector (for example <c>app=web,tier!=cache</c>) sent with every list and watch.</summary>
    /// <value><see langword="null"/>: every object.</value>
    public string? LabelSelector { get; set; }

    /// <summary>Gets or sets a field selector (for example <c>metadata.name=x</c>) sent with every list and watch.</summary>
    /// <value><see langword="null"/>: every object.</value>
    /// <remarks>Custom resources support only <c>metadata.name</c> and <c>metadata.namespace</c>.</remarks>
    public string? FieldSelector { get; set; }

    /// <summary>Gets or sets how many objects each page of the initial list (and of every relist) asks for.</summary>
    /// <value>500. Allowed: 1 to 100,000.</value>
    public int PageSize { get; set; } = DefaultPageSize;

    /// <summary>Gets or sets the first delay before reconnecting after a failure; it doubles on each further failure.</summary>
    /// <value>0.8 seconds. Allowed: 1 ms to <see cref="MaxBackoff"/>.</value>
    /// <remarks>Each delay gets up to <see cref="BackoffJitter"/> of random extra so that many watchers do not reconnect in step.</remarks>
    public TimeSpan InitialBackoff { get; set; } = DefaultInitialBackoff;

    /// <summary>Gets or sets the largest delay between reconnection attempts.</summary>
    /// <value>30 seconds. Allowed: <see cref="InitialBackoff"/> to 1 hour.</value>
    public TimeSpan MaxBackoff { get; set; } = DefaultMaxBackoff;

    /// <summary>Gets or sets the random extra added to each backoff delay, as a fraction of it.</summary>
    /// <value>0.2 (up to 20 % longer). Allowed: 0 to 1.</value>
    public double BackoffJitter { get; set; } = 0.2;

    /// <summary>Gets or sets how long the connection must stay free of failures before the backoff starts again from <see cref="InitialBackoff"/>.</summary>
    /// <value>2 minutes. Allowed: 1 ms to 1 day.</value>
    public TimeSpan BackoffResetAfter { get; set; } = DefaultBackoffResetAfter;

    /// <summary>Gets or sets the smallest server-side timeout a watch asks for.</summary>
    /// <value>5 minutes. Allowed: 1 second to <see cref="MaxWatchTimeout"/>.</value>
    /// <remarks>
    /// Each watch asks for a random <c>timeoutSeconds</c> between <see cref="MinWatchTimeout"/> and <see cref="MaxWatchTimeout"/>,
    /// so that connections rotate (and spread over API server instances). A watch that the server ends on that timeout
    /// is resumed at once, without backoff.
    /// </remarks>
    public TimeSpan MinWatchTimeout { get; set; } = DefaultMinWatchTimeout;

    /// <summary>Gets or sets the largest server-side timeout a watch asks for.</summary>
    /// <value>10 minutes. Allowed: <see cref="MinWatchTimeout"/> to 1 hour.</value>
    public TimeSpan MaxWatchTimeout { get; set; } = DefaultMaxWatchTimeout;

    /// <summary>Gets or sets how long a watch may stay open and silent past its own server-side timeout before it is treated as dead and restarted.</summary>
    /// <value>1 minute. Allowed: 10 ms to 1 day.</value>
    /// <remarks>
    /// This catches half-open connections. A healthy API server sends nothing on a quiet watch until it closes it at the
    /// watch's <c>timeoutSeconds</c> (see <see cref="MinWatchTimeout"/>; bookmarks come near the end, and only after a change),
    /// so silence before that is never a reason to restart. A watch that neither delivers nor ends for this long after its
    /// timeout is restarted from the last resourceVersion seen, losing nothing. Over HTTP/2, KubernetesClient's keep-alive
    /// pings also detect a dead connection.
    /// </remarks>
    public TimeSpan InactivityTimeout { get; set; } = DefaultInactivityTimeout;

    /// <summary>Gets or sets the timeout of each list request.</summary>
    /// <value>60 seconds. Allowed: 1 ms to 1 hour.</value>
    public TimeSpan RequestTimeout { get; set; } = DefaultRequestTimeout;

    /// <summary>Gets or sets the period of the optional resync that re-delivers every object a consumer holds as <see cref="ResourceChangeType.Resync"/>.</summary>
    /// <value><see langword="null"/>: no periodic resync. Allowed: 1 ms to 1 day.</value>
    public TimeSpan? ResyncPeriod { get; set; }

    /// <summary>Gets or sets how many changes may wait for one consumer before that consumer is re-synchronised.</summary>
    /// <value>1024. Allowed: 1 to 1,000,000.</value>
    /// <remarks>
    /// A slow consumer never stalls the watch or other consumers. When its buffer is full, the changes for it are no longer
    /// queued; once it has read what is queued, it receives exactly the changes it missed, computed from the cache
    /// (<see cref="ResourceChangeType.Added"/>, <see cref="ResourceChangeType.Modified"/> with the state it last saw as old,
    /// <see cref="ResourceChangeType.Deleted"/>), like a relist. Intermediate states are skipped, never the latest one. Each such
    /// re-synchronisation is logged and counted (<c>k8s_event_reporting.watcher.consumer_overflows</c>).
    /// </remarks>
    public int ConsumerBufferSize { get; set; } = DefaultConsumerBufferSize;

    /// <summary>Gets or sets a value indicating whether <c>metadata.managedFields</c> is dropped from every object before it is cached.</summary>
    /// <value><see langword="true"/>.</value>
    /// <remarks>managedFields is often the largest part of an object and is rarely read by controllers.</remarks>
    public bool StripManagedFields { get; set; } = true;

    /// <summary>Gets or sets a transform applied to every object (after <see cref="StripManagedFields"/>) before it is cached and delivered.</summary>
    /// <value><see langword="null"/>: no transform.</value>
    /// <remarks>
    /// Use it to drop what the controller does not read (large annotations, unused status). It receives and must return an
    /// object of the watched type; it may modify and return its argument. When it throws, the object is kept untransformed and
    /// the failure is logged. Set it with <see cref="SetTransform{T}(Func{T, T})"/> for a typed delegate.
    /// </remarks>
    public Func<object, object>? Transform { get; set; }

    /// <summary>The name of the named options the watcher of <typeparamref name="T"/> reads (the <c>Watcher</c> section applies to every name).</summary>
    /// <typeparam name="T">The watched type.</typeparam>
    /// <returns>The options' name.</returns>
    public static string OptionsNameFor<T>() => typeof(T).FullName ?? typeof(T).Name;

    /// <summary>Gets the indexes added with <see cref="AddIndex{T}"/>: each name with its function (of the watched object).</summary>
    public IReadOnlyDictionary<string, Func<object, IEnumerable<string>>> Indexes => indexes.ToDictionary(static i => i.Name, static i => i.IndexFunc, StringComparer.Ordinal);

    /// <summary>Gets the indexes as the cache registers them.</summary>
    internal IReadOnlyList<IndexRegistration> IndexRegistrations => indexes;

    /// <summary>Sets <see cref="Transform"/> from a typed delegate.</summary>
    /// <typeparam name="T">The watched type.</typeparam>
    /// <param name="transform">The transform.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transform"/> is <see langword="null"/>.</exception>
    public CustomResourceWatcherOptions SetTransform<T>(Func<T, T> transform)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(transform);
        Transform = o => transform((T)o);
        return this;
    }

    /// <summary>Registers a named index of the cache, maintained on every change and queried with <see cref="IResourceCache{T}.ListByIndex"/>.</summary>
    /// <typeparam name="T">The watched type (or a type it derives from).</typeparam>
    /// <param name="name">The index name, unique per watcher.</param>
    /// <param name="indexFunc">
    /// Returns the values an object is filed under (for example the Secret names a pod mounts); may return none.
    /// It must not throw; when it does, the object is filed under no value and the failure is logged.
    /// </param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or already registered.</exception>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public CustomResourceWatcherOptions AddIndex<T>(string name, Func<T, IEnumerable<string>> indexFunc)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(indexFunc);
        if (indexes.Exists(i => i.Name == name))
        {
            throw new ArgumentException($"An index named '{name}' is already registered.", nameof(name));
        }

        indexes.Add(new IndexRegistration(name, typeof(T), o => indexFunc((T)o)));
        return this;
    }

    /// <summary>Returns every invalid setting, each naming the property, its value and the allowed range.</summary>
    /// <param name="watchedType">The type the options will be used for (checks that index functions fit it).</param>
    /// <returns>An empty list when the options are valid.</returns>
    internal IReadOnlyList<string> GetValidationErrors(Type? watchedType = null)
    {
        var errors = new List<string>();
        void Range(string name, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                errors.Add($"CustomResourceWatcherOptions.{name} must be {min}–{max} (was {value}).");
            }
        }

        var hour = TimeSpan.FromHours(1);
        var day = TimeSpan.FromDays(1);
        var ms = TimeSpan.FromMilliseconds(1);
        if (PageSize is < 1 or > 100_000)
        {
            errors.Add($"CustomResourceWatcherOptions.PageSize must be 1–100000 (was {PageSize}).");
        }

        if (ConsumerBufferSize is < 1 or > 1_000_000)
        {
            errors.Add($"CustomResourceWatcherOptions.ConsumerBufferSize must be 1–1000000 (was {ConsumerBufferSize}).");
        }

        if (double.IsNaN(BackoffJitter) || BackoffJitter is < 0 or > 1)
        {
            errors.Add($"CustomResourceWatcherOptions.BackoffJitter must be 0–1 (was {BackoffJitter}).");
        }

        Range(nameof(InitialBackoff), InitialBackoff, ms, MaxBackoff < ms ? ms : MaxBackoff);
        Range(nameof(MaxBackoff), MaxBackoff, ms, hour);
        Range(nameof(BackoffResetAfter), BackoffResetAfter, ms, day);
        Range(nameof(MinWatchTimeout), MinWatchTimeout, TimeSpan.FromSeconds(1), MaxWatchTimeout < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : MaxWatchTimeout);
        Range(nameof(MaxWatchTimeout), MaxWatchTimeout, TimeSpan.FromSeconds(1), hour);
        Range(nameof(InactivityTimeout), InactivityTimeout, TimeSpan.FromMilliseconds(10), day);
        Range(nameof(RequestTimeout), RequestTimeout, ms, hour);
        if (ResyncPeriod is { } resync)
        {
            Range(nameof(ResyncPeriod), resync, ms, day);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ns in Namespaces)
        {
            if (string.IsNullOrWhiteSpace(ns))
            {
                errors.Add("CustomResourceWatcherOptions.Namespaces must not contain empty names; leave the list empty to watch every namespace.");
            }
            else if (!seen.Add(ns))
            {
                errors.Add($"CustomResourceWatcherOptions.Namespaces lists '{ns}' twice.");
            }
        }

        if (watchedType is not null)
        {
            foreach (var index in indexes)
            {
                if (!index.ObjectType.IsAssignableFrom(watchedType))
                {
                    errors.Add($"CustomResourceWatcherOptions index '{index.Name}' is for {index.ObjectType.Name}, not for the watched type {watchedType.Name}.");
                }
            }
        }

        return errors;
    }

    internal sealed record IndexRegistration(string Name, Type ObjectType, Func<object, IEnumerable<string>> IndexFunc);
}
