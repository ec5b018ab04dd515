using ControlPlane;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Samples;

/// <summary>
/// What a cluster admin checks before <c>kubectl apply -f samples/…</c>: every manifest parses, asks only for API
/// versions a current cluster serves, runs under the "restricted" Pod Security Standard, and each app mounts the Secret
/// the control plane provisions for its Pki. The YAML files are the repository's own, copied into the test output.
/// </summary>
public class SampleManifestTests
{
    private static readonly string SamplesDirectory = Path.Combine(AppContext.BaseDirectory, "samples");

    /// <summary>
    /// Group/versions that Kubernetes 1.26 and every later release serve, none of them deprecated (the betas that 1.26
    /// still served, such as autoscaling/v2beta2 and flowcontrol's, are gone by 1.29).
    /// </summary>
    private static readonly HashSet<string> StableApiVersions =
    [
        "v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1", "discovery.k8s.io/v1",
        "rbac.authorization.k8s.io/v1", "apiextensions.k8s.io/v1", "admissionregistration.k8s.io/v1",
        "coordination.k8s.io/v1", "events.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1", "certificates.k8s.io/v1",
    ];

    /// <summary>The volume types the restricted profile allows (hostPath and the in-tree network volumes are not).</summary>
    private static readonly HashSet<string> RestrictedVolumeTypes =
        ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    public static TheoryData<string> ManifestFiles() => new(ManifestPaths());

    private static List<string> ManifestPaths() =>
        Directory.EnumerateFiles(SamplesDirectory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(SamplesDirectory, f))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static List<object> Load(string file) =>
        KubernetesYaml.LoadAllFromString(
            File.ReadAllText(Path.Combine(SamplesDirectory, file)),
            new Dictionary<string, Type> { ["box.com/v1/Pki"] = typeof(Pki) },
            strict: true);

    private static List<IKubernetesObject<V1ObjectMeta>> AllObjects() =>
        ManifestPaths().SelectMany(Load).Cast<IKubernetesObject<V1ObjectMeta>>().ToList();

    [Fact]
    public void Samples_HaveTheThreeManifestsAndTheGeneratedCrd()
    {
        Assert.Equal(
            ["App1/config.yml", "App2/config.yml", "ControlPlane/config.yml", "ControlPlane/crds/pkis.box.com.yaml"],
            ManifestPaths().Select(f => f.Replace('\\', '/')));
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void EveryDocument_ParsesStrictly_AsANamedKubernetesObject(string file)
    {
        var documents = Load(file);

        Assert.NotEmpty(documents);
        Assert.All(documents, document =>
        {
            var obj = Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(document);
            Assert.False(string.IsNullOrEmpty(obj.Metadata?.Name), $"a {obj.Kind} in {file} has no metadata.name");
        });
    }

    [Fact]
    public void EveryDocument_UsesAnApiVersionACurrentClusterServes()
    {
        var objects = AllObjects();
        // A custom resource's group/version is served once its CRD (in these manifests) serves it.
        var served = objects.OfType<V1CustomResourceDefinition>()
            .SelectMany(crd => crd.Spec.Versions.Where(v => v.Served && v.Deprecated != true)
                .Select(v => ($"{crd.Spec.Group}/{v.Name}", crd.Spec.Names.Kind)))
            .ToHashSet();

        var unserved = objects
            .Where(o => !StableApiVersions.Contains(o.ApiVersion) && !served.Contains((o.ApiVersion, o.Kind)))
            .Select(o => $"{o.Kind} {o.Metadata.Name}: {o.ApiVersion}");

        Assert.Empty(unserved);
        Assert.Contains(("box.com/v1", "Pki"), served);
    }

    [Fact]
    public void EveryNamespace_EnforcesTheRestrictedPodSecurityStandard()
    {
        var objects = AllObjects();
        var namespaces = objects.OfType<V1Namespace>().ToList();

        Assert.Equal(["app1", "app2", "controlplane"], namespaces.Select(n => n.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.All(namespaces, n => Assert.Contains(
            new KeyValuePair<string, string>("pod-security.kubernetes.io/enforce", "restricted"), n.Metadata.Labels ?? new Dictionary<string, string>()));
        // Nothing lands in a namespace the samples do not create (and so do not label).
        Assert.All(
            objects.Where(o => o.Metadata.NamespaceProperty is not null),
            o => Assert.Contains(o.Metadata.NamespaceProperty, namespaces.Select(n => n.Metadata.Name)));
    }

    [Fact]
    public void EveryDeployment_MeetsTheRestrictedPodSecurityStandard_WithAReadOnlyRootAndResources()
    {
        var deployments = AllObjects().OfType<V1Deployment>().ToList();

        Assert.Equal(3, deployments.Count);
        var violations = deployments.SelectMany(d => RestrictedViolations(d.Spec.Template.Spec).Select(v => $"deployment/{d.Metadata.Name}: {v}")).ToList();
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void EachApp_MountsTheSecretTheControlPlaneProvisionsForItsPki()
    {
        var objects = AllObjects();
        var pkis = objects.OfType<Pki>().ToList();
        var deployments = objects.OfType<V1Deployment>().ToList();

        Assert.Equal(["app1-pki", "app2-pki"], pkis.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
        foreach (var pki in pkis)
        {
            var secretName = SecretProvisioner.SecretName(pki);
            var apps = deployments.Where(d => d.Metadata.NamespaceProperty == pki.Metadata.NamespaceProperty).ToList();
            Assert.NotEmpty(apps);
            foreach (var app in apps)
            {
                var pod = app.Spec.Template.Spec;
                // Every Secret the app mounts is its Pki's, and a container does mount it (else the pod would not wait for it).
                var secretVolumes = pod.Volumes?.Where(v => v.Secret is not null).ToList() ?? [];
                var volume = Assert.Single(secretVolumes);
                Assert.Equal(secretName, volume.Secret.SecretName);
                Assert.Contains(pod.Containers, c => c.VolumeMounts?.Any(m => m.Name == volume.Name) == true);
            }
        }
    }

    [Fact]
    public void RestrictedViolations_NameWhatTheProfileForbids()
    {
        var pod = new V1PodSpec
        {
            HostNetwork = true,
            Volumes = [new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/" } }],
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    SecurityContext = new V1SecurityContext
                    {
                        Privileged = true,
                        RunAsUser = 0,
                        Capabilities = new V1Capabilities { Add = ["SYS_ADMIN"] },
                    },
                },
            ],
        };

        var violations = RestrictedViolations(pod);

        Assert.Equal(
            [
                "hostNetwork, hostPID or hostIPC", "volume host is not of an allowed type", "runAsNonRoot is not true",
                "seccompProfile is not RuntimeDefault or Localhost", "container c: privileged", "container c: runs as root",
                "container c: allowPrivilegeEscalation is not false", "container c: capabilities do not drop ALL",
                "container c: adds capabilities other than NET_BIND_SERVICE", "container c: readOnlyRootFilesystem is not true",
                "container c: no CPU and memory requests and limits",
            ],
            violations);
    }

    /// <summary>
    /// What the "restricted" Pod Security Standard (and its "baseline" beneath it) forbids in a pod, plus this project's
    /// own rules: a read-only root filesystem and CPU/memory requests and limits on every container.
    /// </summary>
    private static List<string> RestrictedViolations(V1PodSpec pod)
    {
        var violations = new List<string>();
        var podContext = pod.SecurityContext;
        if (pod.HostNetwork == true || pod.HostPID == true || pod.HostIPC == true)
        {
            violations.Add("hostNetwork, hostPID or hostIPC");
        }

        foreach (var volume in pod.Volumes ?? [])
        {
            if (!RestrictedVolumeTypes.Contains(VolumeType(volume)))
            {
                violations.Add($"volume {volume.Name} is not of an allowed type");
            }
        }

        if (podContext?.Sysctls?.Count > 0 || podContext?.SeLinuxOptions is { User: not null } or { Role: not null })
        {
            violations.Add("sysctls or SELinux user/role");
        }

        var containers = (pod.InitContainers ?? []).Concat(pod.Containers ?? []).ToList();
        if (podContext?.RunAsNonRoot != true && containers.Any(c => c.SecurityContext?.RunAsNonRoot != true))
        {
            violations.Add("runAsNonRoot is not true");
        }

        if (!IsConfinedSeccomp(podContext?.SeccompProfile) && containers.Any(c => !IsConfinedSeccomp(c.SecurityContext?.SeccompProfile)))
        {
            violations.Add("seccompProfile is not RuntimeDefault or Localhost");
        }

        if (podContext?.RunAsUser == 0)
        {
            violations.Add("runs as root");
        }

        foreach (var container in containers)
        {
            var context = container.SecurityContext;
            var problems = new List<string>();
            if (context?.Privileged == true) { problems.Add("privileged"); }
            if (context?.RunAsNonRoot == false) { problems.Add("runAsNonRoot is false"); }
            if (context?.RunAsUser == 0) { problems.Add("runs as root"); }
            if (context?.SeccompProfile is { } profile && !IsConfinedSeccomp(profile)) { problems.Add("seccompProfile is unconfined"); }
            if (context?.AllowPrivilegeEscalation != false) { problems.Add("allowPrivilegeEscalation is not false"); }
            if (context?.Capabilities?.Drop?.Contains("ALL") != true) { problems.Add("capabilities do not drop ALL"); }
            if (context?.Capabilities?.Add?.Any(c => c != "NET_BIND_SERVICE") == true) { problems.Add("adds capabilities other than NET_BIND_SERVICE"); }
            if (context?.ProcMount is not (null or "Default")) { problems.Add("procMount is not Default"); }
            if (context?.SeLinuxOptions is { User: not null } or { Role: not null }) { problems.Add("SELinux user/role"); }
            if (container.Ports?.Any(p => p.HostPort is > 0) == true) { problems.Add("hostPort"); }
            if (context?.ReadOnlyRootFilesystem != true) { problems.Add("readOnlyRootFilesystem is not true"); }
            if (!HasCpuAndMemory(container.Resources?.Requests) || !HasCpuAndMemory(container.Resources?.Limits))
            {
                problems.Add("no CPU and memory requests and limits");
            }

            violations.AddRange(problems.Select(p => $"container {container.Name}: {p}"));
        }

        return violations;
    }

    private static bool IsConfinedSeccomp(V1SeccompProfile? profile) => profile?.Type is "RuntimeDefault" or "Localhost";

    private static bool HasCpuAndMemory(IDictionary<string, ResourceQuantity>? resources) =>
        resources?.ContainsKey("cpu") == true && resources.ContainsKey("memory");

    private static string VolumeType(V1Volume volume) => volume switch
    {
        { ConfigMap: not null } => "configMap",
        { Csi: not null } => "csi",
        { DownwardAPI: not null } => "downwardAPI",
        { EmptyDir: not null } => "emptyDir",
        { Ephemeral: not null } => "ephemeral",
        { PersistentVolumeClaim: not null } => "persistentVolumeClaim",
        { Projected: not null } => "projected",
        { Secret: not null } => "secret",
        _ => "other (hostPath or an in-tree network volume)",
    };
}
