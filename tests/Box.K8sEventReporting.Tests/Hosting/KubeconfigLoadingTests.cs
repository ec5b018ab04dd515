using Box.K8sEventReporting.Hosting;
using k8s;

namespace Box.K8sEventReporting.Tests.Hosting;

/// <summary>
/// The library reads a kubeconfig without KubernetesClient's YAML serializer (a start-up cost): what it reads must be what
/// the client's own <c>LoadKubeConfig</c> reads, field for field, and the client built from it the same.
/// </summary>
public sealed class KubeconfigLoadingTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("kubeconfig-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void FromFiles_AListWithAMissingFile_MergesTheOthers_AsKubectlDoes()
    {
        var clusters = Path.Combine(_dir.FullName, "clusters");
        var users = Path.Combine(_dir.FullName, "users");
        File.WriteAllText(clusters, """
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
            - name: dev-cluster
              cluster: { server: "https://10.0.0.1:6443" }
            contexts:
            - name: dev
              context: { cluster: dev-cluster, user: dev-user, namespace: team-a }
            """);
        File.WriteAllText(users, """
            apiVersion: v1
            kind: Config
            users:
            - name: dev-user
              user: { token: dev-token }
            """);

        var configuration = KubernetesClientFactory.FromFiles([Path.Combine(_dir.FullName, "missing"), clusters, users], "KUBECONFIG");

        Assert.Equal(("https://10.0.0.1:6443/", "dev-token", "team-a"), (configuration.Host.TrimEnd('/') + "/", configuration.AccessToken, configuration.Namespace));
    }

    [Fact]
    public void FromFiles_EveryFileMissing_OneLineNamingThem()
    {
        var a = Path.Combine(_dir.FullName, "a");
        var b = Path.Combine(_dir.FullName, "b");

        var error = Assert.Throws<InvalidOperationException>(() => KubernetesClientFactory.FromFiles([a, b], "KUBECONFIG"));

        Assert.StartsWith($"none of the kubeconfig files '{a}{Path.PathSeparator}{b}' (from KUBECONFIG) exists", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadKubeconfig_ReadsWhatTheClientReads()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=test-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(_dir.FullName, "ca.crt"), ca.ExportCertificatePem());
        var path = Path.Combine(_dir.FullName, "config");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            preferences: {"{}"}
            current-context: dev
            clusters:
            - name: dev-cluster
              cluster:
                server: https://10.0.0.1:6443
                certificate-authority: ca.crt
                tls-server-name: kubernetes.default.svc
                unknown-field: ignored
            - name: prod-cluster
              cluster:
                server: https://prod.example:443
                certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(ca.ExportCertificatePem()))}
                insecure-skip-tls-verify: false
            contexts:
            - name: dev
              context:
                cluster: dev-cluster
                user: dev-user
                namespace: team-a
            - name: prod
              context:
                cluster: prod-cluster
                user: exec-user
            users:
            - name: dev-user
              user:
                token: dev-token
            - name: exec-user
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: get-token
                  args: ["--cluster", "prod"]
                  env:
                  - name: REGION
                    value: eu
            """);

        var ours = KubernetesClientFactory.LoadKubeconfig(path);
        var theirs = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(path));

        Assert.Equal(theirs.FileName, ours.FileName);
        Assert.Equal(theirs.CurrentContext, ours.CurrentContext);
        Assert.Equal(
            theirs.Clusters.Select(c => (c.Name, c.ClusterEndpoint.Server, c.ClusterEndpoint.CertificateAuthority, c.ClusterEndpoint.CertificateAuthorityData, c.ClusterEndpoint.TlsServerName, c.ClusterEndpoint.SkipTlsVerify)),
            ours.Clusters.Select(c => (c.Name, c.ClusterEndpoint.Server, c.ClusterEndpoint.CertificateAuthority, c.ClusterEndpoint.CertificateAuthorityData, c.ClusterEndpoint.TlsServerName, c.ClusterEndpoint.SkipTlsVerify)));
        Assert.Equal(
            theirs.Contexts.Select(c => (c.Name, c.ContextDetails.Cluster, c.ContextDetails.User, c.ContextDetails.Namespace)),
            ours.Contexts.Select(c => (c.Name, c.ContextDetails.Cluster, c.ContextDetails.User, c.ContextDetails.Namespace)));
        Assert.Equal(
            theirs.Users.Select(u => (u.Name, u.UserCredentials.Token, u.UserCredentials.ExternalExecution?.Command, string.Join(' ', u.UserCredentials.ExternalExecution?.Arguments ?? []))),
            ours.Users.Select(u => (u.Name, u.UserCredentials.Token, u.UserCredentials.ExternalExecution?.Command, string.Join(' ', u.UserCredentials.ExternalExecution?.Arguments ?? []))));
        Assert.Equal("REGION=eu", string.Join(',', ours.Users.Last().UserCredentials.ExternalExecution.EnvironmentVariables.Select(e => e["name"] + "=" + e["value"])));

        // The client built from it: the current context's server, namespace, token, and the CA read from the relative path.
        var dev = KubernetesClientConfiguration.BuildConfigFromConfigObject(ours);
        Assert.Equal(("https://10.0.0.1:6443", "team-a", "dev-token", "kubernetes.default.svc"), (dev.Host, dev.Namespace, dev.AccessToken, dev.TlsServerName));
        Assert.Equal(ca.Thumbprint, Assert.Single(dev.SslCaCerts).Thumbprint);
    }

    [Fact]
    public void FromFiles_EmptyFile_SaysWhichFileCannotBeUsed()
    {
        var path = Path.Combine(_dir.FullName, "empty");
        File.WriteAllText(path, string.Empty);

        var error = Assert.Throws<InvalidOperationException>(() => KubernetesClientFactory.FromFiles([path], "KUBECONFIG"));

        Assert.Contains($"the kubeconfig '{path}' (from KUBECONFIG) cannot be used: the file is empty", error.Message, StringComparison.Ordinal);
    }
}
