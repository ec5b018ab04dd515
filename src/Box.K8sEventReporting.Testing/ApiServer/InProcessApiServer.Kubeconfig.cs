using System.Text;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>The kubeconfig of an <see cref="InProcessApiServer"/>, for tools and processes outside this one.</summary>
public sealed partial class InProcessApiServer
{
    /// <summary>The bearer token of <see cref="CreateKubeconfig"/>'s user: the admin, like a request without credentials.</summary>
    public const string AdminToken = "in-process-admin";

    /// <summary>Creates a kubeconfig (YAML) naming this server, with its certificate as <c>certificate-authority-data</c> over HTTPS.</summary>
    /// <returns>The kubeconfig text; write it to a file and point <c>KUBECONFIG</c> (or a test's <c>K8S_E2E_KUBECONFIG</c>) at it.</returns>
    /// <remarks>The user's bearer token is <see cref="AdminToken"/>: the server's admin, also with <see cref="InProcessApiServerOptions.EnforceRbac"/>.</remarks>
    public string CreateKubeconfig()
    {
        var ca = certificate is null
            ? string.Empty
            : "\n    certificate-authority-data: " + Convert.ToBase64String(Encoding.ASCII.GetBytes(ServerCertificate.Pem(certificate)));
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: in-process
              cluster:
                server: {BaseAddress.ToString().TrimEnd('/')}{ca}
            contexts:
            - name: in-process
              context:
                cluster: in-process
                user: in-process
            current-context: in-process
            users:
            - name: in-process
              user:
                token: {AdminToken}
            """;
    }
}
