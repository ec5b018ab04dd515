using System.Reflection;
using k8s;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// KubernetesClient's own request path for one client: <c>AbstractKubernetes.SendRequest</c>, the method every generated
/// operation calls. It applies what the client keeps private: HTTP/2 unless the configuration's <c>DisableHttp2</c>, the
/// kubeconfig's <c>tls-server-name</c> (as the Host header, which is also the TLS server name), and the credentials; it sends
/// through <see cref="Kubernetes.HttpClient"/> (TLS, client certificates, proxy and handlers from the configuration), reads
/// only the headers, and throws <see cref="k8s.Autorest.HttpOperationException"/> on an error status.
/// </summary>
internal static class ClientRequestPath
{
    private static readonly MethodInfo? SendRequest = FindSendRequest();

    /// <summary>Binds the path of <paramref name="client"/>, or returns null when this KubernetesClient version has none.</summary>
    public static Func<string, IReadOnlyDictionary<string, IReadOnlyList<string>>, CancellationToken, Task<HttpResponseMessage>>? Bind(Kubernetes client)
    {
        if (SendRequest is null)
        {
            return null;
        }

        var send = (Func<string, HttpMethod, IReadOnlyDictionary<string, IReadOnlyList<string>>, object?, CancellationToken, Task<HttpResponseMessage>>?)
            Delegate.CreateDelegate(typeof(Func<string, HttpMethod, IReadOnlyDictionary<string, IReadOnlyList<string>>, object?, CancellationToken, Task<HttpResponseMessage>>), client, SendRequest, throwOnBindFailure: false);
        return send is null ? null : (relativeUri, headers, cancellationToken) => send(relativeUri, HttpMethod.Get, headers, null, cancellationToken);
    }

    private static MethodInfo? FindSendRequest()
    {
        // protected abstract Task<HttpResponseMessage> SendRequest<T>(string, HttpMethod, IReadOnlyDictionary<..>, T, CancellationToken)
        var method = typeof(AbstractKubernetes).GetMethods(BindingFlags.Instance | BindingFlags.NonPublic)
            .FirstOrDefault(m => m.Name == "SendRequest" && m.IsGenericMethodDefinition && m.ReturnType == typeof(Task<HttpResponseMessage>)
                && m.GetParameters().Select(p => p.ParameterType.IsGenericParameter ? typeof(object) : p.ParameterType).SequenceEqual(
                    [typeof(string), typeof(HttpMethod), typeof(IReadOnlyDictionary<string, IReadOnlyList<string>>), typeof(object), typeof(CancellationToken)]));
        return method?.MakeGenericMethod(typeof(object));
    }
}
