using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Box.K8sEventReporting.Primitives;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.Testing;

/// <summary>
/// Applies multi-document YAML manifests (<c>kubectl apply -f</c> for tests and demos) through the real client,
/// and stands in for the workload controllers a bare API server does not run.
/// </summary>
public static class KubernetesManifests
{
    /// <summary>Creates every object in <paramref name="yaml"/> that does not exist yet.</summary>
    /// <param name="kubernetes">The client.</param>
    /// <param name="yaml">One or more YAML documents.</param>
    /// <param name="customTypes">
    /// The custom resource types the manifests use (for example <c>typeof(Pki)</c>), each marked with
    /// <see cref="KubernetesEntityAttribute"/>.
    /// </param>
    /// <param name="createPodsForWorkloads">
    /// For each Deployment, also create a ReplicaSet and its pods (named like <c>app1-6f9c7d5b8-x7k2p</c>) as the
    /// controllers would; leave it off against a cluster that runs controllers.
    /// </param>
    /// <param name="cancellationToken">Stops applying.</param>
    /// <returns>One line per object: what was done.</returns>
    public static async Task<IReadOnlyList<string>> ApplyAsync(
        IKubernetes kubernetes,
        string yaml,
        IEnumerable<Type>? customTypes = null,
        bool createPodsForWorkloads = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        ArgumentNullException.ThrowIfNull(yaml);
        var typeMap = (customTypes ?? []).ToDictionary(
            static t =>
            {
                var entity = KubernetesEntityMetadata.Of(t);
                return $"{entity.ApiVersion}/{entity.Kind}";
            },
            t => t);

        var done = new List<string>();
        foreach (var document in KubernetesYaml.LoadAllFromString(yaml, typeMap))
        {
            if (document is not IKubernetesObject<V1ObjectMeta> obj)
            {
                continue;
            }

            done.Add(await CreateAsync(kubernetes, obj, cancellationToken).ConfigureAwait(false));
            if (createPodsForWorkloads && obj is V1Deployment deployment)
            {
                done.AddRange((await RunDeploymentAsync(kubernetes, deployment, cancellationToken).ConfigureAwait(false)).Select(line => line + "   (as the cluster's controllers would)"));
            }
        }

        return done;
    }

    private static async Task<string> CreateAsync(IKubernetes k, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        // As kubectl apply names what it did: kind, then the API group for any group but the core one.
        var group = obj.ApiVersion?.Contains('/', StringComparison.Ordinal) == true ? "." + obj.ApiVersion[..obj.ApiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;
        var what = $"{obj.Kind?.ToLowerInvariant()}{group}/{obj.Metadata.Name}";
        var ns = obj.Metadata.NamespaceProperty;
        try
        {
            switch (obj)
            {
                case V1CustomResourceDefinition crd: await k.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: ct).ConfigureAwait(false); break;
                case V1Namespace n: await k.CoreV1.CreateNamespaceAsync(n, cancellationToken: ct).ConfigureAwait(false); break;
                case V1Deployment d: await k.AppsV1.CreateNamespacedDeploymentAsync(d, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case V1ReplicaSet r: await k.AppsV1.CreateNamespacedReplicaSetAsync(r, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case V1Pod p: await k.CoreV1.CreateNamespacedPodAsync(p, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case V1Secret s: await k.CoreV1.CreateNamespacedSecretAsync(s, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case V1ConfigMap c: await k.CoreV1.CreateNamespacedConfigMapAsync(c, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case V1ServiceAccount sa: await k.CoreV1.CreateNamespacedServiceAccountAsync(sa, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case V1ClusterRole cr: await k.RbacAuthorizationV1.CreateClusterRoleAsync(cr, cancellationToken: ct).ConfigureAwait(false); break;
                case V1ClusterRoleBinding crb: await k.RbacAuthorizationV1.CreateClusterRoleBindingAsync(crb, cancellationToken: ct).ConfigureAwait(false); break;
                case V1Role role: await k.RbacAuthorizationV1.CreateNamespacedRoleAsync(role, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case V1RoleBinding rb: await k.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(rb, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case V1Service svc: await k.CoreV1.CreateNamespacedServiceAsync(svc, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case V1ValidatingWebhookConfiguration vwc: await k.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(vwc, cancellationToken: ct).ConfigureAwait(false); break;
                default:
                    if (KubernetesEntityMetadata.TryOf(obj.GetType(), out var entity) && entity.Group.Length > 0 && obj.GetType().Namespace?.StartsWith("k8s", StringComparison.Ordinal) != true)
                    {
                        await (string.IsNullOrEmpty(ns)
                            ? k.CustomObjects.CreateClusterCustomObjectAsync(obj, entity.Group, entity.Version, entity.Plural, cancellationToken: ct)
                            : k.CustomObjects.CreateNamespacedCustomObjectAsync(obj, entity.Group, entity.Version, ns, entity.Plural, cancellationToken: ct)).ConfigureAwait(false);
                        break;
                    }

                    return $"{what} skipped (kind not applied by this helper)";
            }

            return $"{what} created";
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return $"{what} unchanged (already exists)";
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed)
        {
            return $"{what} skipped ({(int)e.Response.StatusCode}: the API server does not serve it)";
        }
    }

    private static async Task<IReadOnlyList<string>> RunDeploymentAsync(IKubernetes k, V1Deployment deployment, CancellationToken ct)
    {
        var ns = deployment.Metadata.NamespaceProperty;
        var current = await k.AppsV1.ReadNamespacedDeploymentAsync(deployment.Metadata.Name, ns, cancellationToken: ct).ConfigureAwait(false);
        var hash = ShortHash(current.Metadata.Name + "/" + KubernetesJson.Serialize(current.Spec.Template), 10);
        var labels = new Dictionary<string, string>(current.Spec.Template.Metadata?.Labels ?? new Dictionary<string, string>()) { ["pod-template-hash"] = hash };
        var replicaSet = new V1ReplicaSet
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = $"{current.Metadata.Name}-{hash}",
                NamespaceProperty = ns,
                Labels = labels,
                OwnerReferences = [Owner(current, "apps/v1", "Deployment")],
            },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = current.Spec.Replicas ?? 1,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = current.Spec.Template.Spec },
            },
        };

        var done = new List<string> { await CreateAsync(k, replicaSet, ct).ConfigureAwait(false) };
        var owner = await k.AppsV1.ReadNamespacedReplicaSetAsync(replicaSet.Metadata.Name, ns, cancellationToken: ct).ConfigureAwait(false);
        for (var i = 0; i < (current.Spec.Replicas ?? 1); i++)
        {
            var pod = new V1Pod
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Metadata = new V1ObjectMeta
                {
                    Name = $"{replicaSet.Metadata.Name}-{ShortHash(replicaSet.Metadata.Name + i.ToString(CultureInfo.InvariantCulture), 5)}",
                    NamespaceProperty = ns,
                    Labels = labels,
                    OwnerReferences = [Owner(owner, "apps/v1", "ReplicaSet")],
                },
                Spec = current.Spec.Template.Spec,
            };
            done.Add(await CreateAsync(k, pod, ct).ConfigureAwait(false));
        }

        return done;
    }

    private static V1OwnerReference Owner(IKubernetesObject<V1ObjectMeta> owner, string apiVersion, string kind) =>
        new() { ApiVersion = apiVersion, Kind = kind, Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, BlockOwnerDeletion = true, Controller = true };

    private static string ShortHash(string input, int length)
    {
        // Kubernetes' "safe" alphabet: no vowels, no confusable characters.
        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(input));
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[bytes[i] % Alphabet.Length];
        }

        return new string(chars);
    }
}
