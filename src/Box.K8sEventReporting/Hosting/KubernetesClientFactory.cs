using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.Serialization;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Finds the cluster configuration the way <c>kubectl</c> and in-cluster clients do, or says clearly why not.</summary>
internal static class KubernetesClientFactory
{
    /// <summary>The factory of the default registration, so that <c>UseKubernetesClient</c> can tell it from the application's own.</summary>
    public static readonly Func<IServiceProvider, object> DefaultClient = static _ => Create(FindDefaultConfiguration());

    /// <summary>
    /// The HTTP/2 receive window of each stream (a watch is one): client-go's (Go's HTTP/2 transport) 4 MiB, where .NET
    /// starts at 64 KiB. A real API server closes a watch whose consumer does not take its events in time; with a 64 KiB
    /// window a burst of a few dozen pods fills the window while the controller's threads are busy, the server's writes
    /// to that watch block, and it is cut off. The memory is used only while events wait to be read.
    /// </summary>
    internal const int Http2StreamWindowSize = 4 * 1024 * 1024;

    /// <summary>Builds the client over <paramref name="configuration"/>, with the library's transport settings.</summary>
    public static Kubernetes Create(KubernetesClientConfiguration configuration)
    {
        var setup = configuration.FirstMessageHandlerSetup;
        configuration.FirstMessageHandlerSetup = handler =>
        {
            if (handler is SocketsHttpHandler sockets && sockets.InitialHttp2StreamWindowSize < Http2StreamWindowSize)
            {
                sockets.InitialHttp2StreamWindowSize = Http2StreamWindowSize;
            }

            setup?.Invoke(handler);
        };
        return new Kubernetes(configuration);
    }

    public static KubernetesClientConfiguration FindDefaultConfiguration()
    {
        var kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
        var defaultFile = KubernetesClientConfiguration.KubeConfigDefaultLocation;
        if (!string.IsNullOrEmpty(kubeconfig))
        {
            // KUBECONFIG may list several files; the client merges them.
            return FromFiles(kubeconfig.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries), "KUBECONFIG");
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        if (File.Exists(defaultFile) || Directory.Exists(defaultFile))
        {
            return FromFiles([defaultFile], "the default location");
        }

        // KubernetesClient would fall back to http://localhost:8080 here; a controller must not silently talk to nothing.
        throw new InvalidOperationException(
            $"no Kubernetes cluster configuration: not running in a pod (KUBERNETES_SERVICE_HOST is not set), KUBECONFIG is not set and " +
            $"'{defaultFile}' does not exist. Run in a pod with a service account, set KUBECONFIG, or call UseKubernetesClient(configuration).");
    }

    /// <summary>Reads kubeconfig files; whatever goes wrong names the file and what a kubeconfig must be.</summary>
    internal static KubernetesClientConfiguration FromFiles(IReadOnlyList<string> files, string source)
    {
        foreach (var file in files)
        {
            if (Directory.Exists(file))
            {
                throw new InvalidOperationException(
                    $"the kubeconfig '{file}' (from {source}) is a directory: it must be a kubeconfig file (YAML with clusters, users and contexts, as 'kubectl config view' shows).");
            }
        }

        // A list (KUBECONFIG=a:b) is merged as kubectl merges it: files that do not exist are skipped.
        var missing = files.Where(static f => !File.Exists(f)).ToArray();
        if (missing.Length == files.Count)
        {
            throw new InvalidOperationException(files.Count == 1
                ? $"the kubeconfig '{files[0]}' (from {source}) does not exist: point KUBECONFIG at a kubeconfig file, or call UseKubernetesClient(configuration)."
                : $"none of the kubeconfig files '{string.Join(Path.PathSeparator, files)}' (from {source}) exists: point KUBECONFIG at a kubeconfig file, or call UseKubernetesClient(configuration).");
        }

        files = [.. files.Except(missing)];

        try
        {
            // Several files are merged by the client's loader, the first file's values winning, as kubectl does.
            return files.Count == 1
                ? KubernetesClientConfiguration.BuildConfigFromConfigObject(LoadKubeconfig(files[0]))
                : KubernetesClientConfiguration.BuildConfigFromConfigObject(Merge([.. files.Select(LoadKubeconfig)]));
        }
#pragma warning disable CA1031 // Unreadable (permissions), malformed YAML, no current context: all say which file to fix.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            throw new InvalidOperationException(
                $"the kubeconfig '{string.Join(Path.PathSeparator, files)}' (from {source}) cannot be used: {ex.Message.TrimEnd('.')}. It must be a " +
                "readable kubeconfig file (YAML with clusters, users and a current context, as 'kubectl config view' shows).",
                ex);
        }
    }

    /// <summary>
    /// Merges kubeconfig files as kubectl does: the first file that sets the current context or defines a cluster, user or
    /// context of a given name wins. (Relative certificate paths resolve against the first existing file's folder.)
    /// </summary>
    internal static K8SConfiguration Merge(IReadOnlyList<K8SConfiguration> files)
    {
        static List<T> Union<T>(IEnumerable<IEnumerable<T>?> lists, Func<T, string> name) =>
            [.. lists.SelectMany(static l => l ?? []).GroupBy(name, StringComparer.Ordinal).Select(static g => g.First())];

        var merged = files[0];
        merged.CurrentContext = files.Select(static f => f.CurrentContext).FirstOrDefault(static c => !string.IsNullOrEmpty(c));
        merged.Clusters = Union(files.Select(static f => f.Clusters), static c => c.Name);
        merged.Users = Union(files.Select(static f => f.Users), static u => u.Name);
        merged.Contexts = Union(files.Select(static f => f.Contexts), static c => c.Name);
        return merged;
    }

    /// <summary>
    /// Reads one kubeconfig file into the client's model as its <c>LoadKubeConfig</c> does (the model's YAML names, unknown
    /// fields ignored, relative paths resolved against the file's directory), with a YAML deserializer of the kubeconfig's
    /// few types only: the client's own YAML serializer reflects over every Kubernetes model type on first use, which cost
    /// 0.3–0.6 CPU s of a controller's start-up (docs/performance.md).
    /// </summary>
    internal static K8SConfiguration LoadKubeconfig(string file)
    {
        var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
        var configuration = deserializer.Deserialize<K8SConfiguration?>(File.ReadAllText(file))
            ?? throw new InvalidOperationException("the file is empty");
        configuration.FileName = Path.GetFullPath(file);
        return configuration;
    }
}
