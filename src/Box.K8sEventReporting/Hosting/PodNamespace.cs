namespace Box.K8sEventReporting.Hosting;

/// <summary>The namespace this process runs in, for objects kept in the control plane's own namespace (Lease, CA Secret).</summary>
public static class PodNamespace
{
    private const string InClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>
    /// <paramref name="configured"/> when set, else the <c>POD_NAMESPACE</c> environment variable, else the pod's own
    /// namespace when in a cluster, else <c>default</c>.
    /// </summary>
    /// <param name="configured">The namespace the application's settings name, or <see langword="null"/>.</param>
    /// <returns>The namespace to use.</returns>
    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        if (Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } podNamespace)
        {
            return podNamespace;
        }

        try
        {
            return File.Exists(InClusterNamespaceFile) ? File.ReadAllText(InClusterNamespaceFile).Trim() : "default";
        }
        catch (IOException)
        {
            return "default";
        }
    }
}
