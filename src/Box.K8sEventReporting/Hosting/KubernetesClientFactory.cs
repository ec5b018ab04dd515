using k8s;

namespace Box.K8sEventReporting.Hosting;

/// <summary>Finds the cluster configuration the way <c>kubectl</c> and in-cluster clients do, or says clearly why not.</summary>
internal static class KubernetesClientFactory
{
    /// <summary>The factory of the default registration, so that <c>UseKubernetesClient</c> can tell it from the application's own.</summary>
    public static readonly Func<IServiceProvider, object> DefaultClient = static _ => new Kubernetes(FindDefaultConfiguration());

    public static KubernetesClientConfiguration FindDefaultConfiguration()
    {
        var kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
        var defaultFile = KubernetesClientConfiguration.KubeConfigDefaultLocation;
        if (!string.IsNullOrEmpty(kubeconfig) || File.Exists(defaultFile) || KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.BuildDefaultConfig();
        }

        // KubernetesClient would fall back to http://localhost:8080 here; a controller must not silently talk to nothing.
        throw new InvalidOperationException(
            $"no Kubernetes cluster configuration: not running in a pod (KUBERNETES_SERVICE_HOST is not set), KUBECONFIG is not set and " +
            $"'{defaultFile}' does not exist. Run in a pod with a service account, set KUBECONFIG, or call UseKubernetesClient(configuration).");
    }
}
