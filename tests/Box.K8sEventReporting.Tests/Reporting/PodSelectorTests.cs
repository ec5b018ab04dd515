using Box.K8sEventReporting.Reporting;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Reporting;

public class PodSelectorTests
{
    private static readonly Pki Resource = new() { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = "team-a", Uid = "pki-uid" } };

    public static TheoryData<string, V1Pod, bool> Consumers => new()
    {
        { "secret volume", Pods.Bare("a", "team-a", Pods.SecretVolume("app1-pki")), true },
        { "other secret volume", Pods.Bare("b", "team-a", Pods.SecretVolume("other")), false },
        { "no volumes", Pods.Bare("c"), false },
        { "projected volume", WithVolume(new V1Volume { Name = "p", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { Secret = new V1SecretProjection { Name = "app1-pki" } }] } }), true },
        { "env secretKeyRef", WithContainer(new V1Container { Name = "c", Env = [new V1EnvVar { Name = "X", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "app1-pki", Key = "k" } } }] }), true },
        { "envFrom secretRef", WithContainer(new V1Container { Name = "c", EnvFrom = [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "app1-pki" } }] }), true },
        { "envFrom configMap of same name", WithContainer(new V1Container { Name = "c", EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "app1-pki" } }] }), false },
        { "init container env", WithInit(new V1Container { Name = "i", EnvFrom = [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "app1-pki" } }] }), true },
    };

    [Theory]
    [MemberData(nameof(Consumers))]
    public void Consumes_Table(string description, V1Pod pod, bool expected) =>
        Assert.True(expected == PodSecretUsage.Consumes(pod, "app1-pki"), description);

    [Fact]
    public async Task SecretConsumerPodSelector_OnlyConsumersInTheResourceNamespace()
    {
        var cache = new InMemoryCache<V1Pod>([
            Pods.Bare("app1", "team-a", Pods.SecretVolume("app1-pki")),
            Pods.Bare("app2", "team-a", Pods.SecretVolume("app2-pki")),
            Pods.Bare("bystander", "team-a"),
            Pods.Bare("app1", "team-b", Pods.SecretVolume("app1-pki")),
        ]);
        var selector = new SecretConsumerPodSelector<Pki>(cache, p => p.Metadata.Name);

        var pods = await selector.SelectPodsAsync(Resource);

        var pod = Assert.Single(pods);
        Assert.Equal(("team-a", "app1"), (pod.Metadata.NamespaceProperty, pod.Metadata.Name));
    }

    [Fact]
    public async Task SecretConsumerPodSelector_WithIndex_UsesIndexLookup()
    {
        var cache = new InMemoryCache<V1Pod>([Pods.Bare("app1", "team-a", Pods.SecretVolume("app1-pki")), Pods.Bare("bystander", "team-a")])
            .WithIndex(PodSecretUsage.IndexName, PodSecretUsage.IndexValues);
        var selector = new SecretConsumerPodSelector<Pki>(cache, p => p.Metadata.Name, PodSecretUsage.IndexName);

        var pods = await selector.SelectPodsAsync(Resource);

        Assert.Equal("app1", Assert.Single(pods).Metadata.Name);
    }

    [Fact]
    public async Task SecretConsumerPodSelector_CacheNotSynced_WaitsForInitialSync()
    {
        var cache = new InMemoryCache<V1Pod>([Pods.Bare("app1", "team-a", Pods.SecretVolume("app1-pki"))]) { Sync = new TaskCompletionSource() };
        var selector = new SecretConsumerPodSelector<Pki>(cache, p => p.Metadata.Name);

        var selection = selector.SelectPodsAsync(Resource).AsTask();
        Assert.False(selection.IsCompleted);
        cache.Sync.SetResult();

        Assert.Single(await selection);
    }

    [Fact]
    public void IndexValues_ListEachConsumedSecretOnce()
    {
        var pod = Pods.Bare("a", "team-a", Pods.SecretVolume("s1"), Pods.SecretVolume("s1"), Pods.SecretVolume("s2"));

        Assert.Equal(["team-a/s1", "team-a/s2"], PodSecretUsage.IndexValues(pod).Order());
    }

    [Fact]
    public async Task LabelSelectorPodSelector_MatchesAllLabels()
    {
        var match = Pods.Bare("match");
        match.Metadata.Labels = new Dictionary<string, string> { ["app"] = "app1", ["tier"] = "web" };
        var partial = Pods.Bare("partial");
        partial.Metadata.Labels = new Dictionary<string, string> { ["app"] = "app1" };
        var selector = new LabelSelectorPodSelector<Pki>(new InMemoryCache<V1Pod>([match, partial]), _ => new Dictionary<string, string> { ["app"] = "app1", ["tier"] = "web" });

        var pods = await selector.SelectPodsAsync(Resource);

        Assert.Equal("match", Assert.Single(pods).Metadata.Name);
    }

    [Fact]
    public async Task LabelSelectorPodSelector_EmptySelector_SelectsNothing()
    {
        var selector = new LabelSelectorPodSelector<Pki>(new InMemoryCache<V1Pod>([Pods.Bare("a")]), _ => new Dictionary<string, string>());

        Assert.Empty(await selector.SelectPodsAsync(Resource));
    }

    [Fact]
    public async Task NamespacePodSelector_SelectsEveryPodInNamespace()
    {
        var selector = new NamespacePodSelector<Pki>(new InMemoryCache<V1Pod>([Pods.Bare("a"), Pods.Bare("b"), Pods.Bare("c", "team-b")]));

        Assert.Equal(2, (await selector.SelectPodsAsync(Resource)).Count);
    }

    private static V1Pod WithVolume(V1Volume volume) => Pods.Bare("v", "team-a", volume);

    private static V1Pod WithContainer(V1Container container)
    {
        var pod = Pods.Bare("c");
        pod.Spec.Containers.Add(container);
        return pod;
    }

    private static V1Pod WithInit(V1Container container)
    {
        var pod = Pods.Bare("i");
        pod.Spec.InitContainers = [container];
        return pod;
    }
}

/// <summary>A test-only custom resource shaped like the sample's Pki.</summary>
[k8s.Models.KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "Pki", PluralName = "pkis")]
public sealed class Pki : k8s.IKubernetesObject<V1ObjectMeta>
{
    [System.Text.Json.Serialization.JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "box.com/v1";

    [System.Text.Json.Serialization.JsonPropertyName("kind")]
    public string Kind { get; set; } = "Pki";

    [System.Text.Json.Serialization.JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [System.Text.Json.Serialization.JsonPropertyName("spec")]
    public PkiSpec? Spec { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("status")]
    public PkiStatus? Status { get; set; }
}

public sealed class PkiSpec
{
    [System.Text.Json.Serialization.JsonPropertyName("serviceName")]
    public string? ServiceName { get; set; }
}

public sealed class PkiStatus
{
    [System.Text.Json.Serialization.JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}

public class PodTrimTests
{
    [Theory]
    [MemberData(nameof(PodSelectorTests.Consumers), MemberType = typeof(PodSelectorTests))]
    public void TrimForReporting_KeepsEverySecretReference(string description, V1Pod pod, bool consumes)
    {
        var trimmed = PodSecretUsage.TrimForReporting(pod);

        Assert.True(consumes == PodSecretUsage.Consumes(trimmed, "app1-pki"), description);
        Assert.Equal(PodSecretUsage.IndexValues(pod).Order(), PodSecretUsage.IndexValues(trimmed).Order());
    }

    [Fact]
    public void TrimForReporting_KeepsIdentityAndOwnersAndDropsTheRest()
    {
        var pod = Pods.Bare("app1-abc", "team-a", Pods.SecretVolume("app1-pki"), new V1Volume { Name = "cache", EmptyDir = new V1EmptyDirVolumeSource() });
        pod.Metadata.ResourceVersion = "42";
        pod.Metadata.Annotations = new Dictionary<string, string> { ["big"] = new string('x', 10_000) };
        pod.Metadata.OwnerReferences = [new V1OwnerReference { Kind = "ReplicaSet", Name = "app1-7d9f", Uid = "rs-uid", ApiVersion = "apps/v1", Controller = true }];
        pod.Spec.Containers = [new V1Container { Name = "app", Image = "app1:latest", Command = ["run"] }];
        pod.Status = new V1PodStatus { Phase = "Pending" };

        var trimmed = PodSecretUsage.TrimForReporting(pod);

        Assert.Equal(("app1-abc", "team-a", "42"), (trimmed.Metadata.Name, trimmed.Metadata.NamespaceProperty, trimmed.Metadata.ResourceVersion));
        Assert.Equal(pod.Metadata.Uid, trimmed.Metadata.Uid);
        Assert.Equal("rs-uid", Assert.Single(trimmed.Metadata.OwnerReferences).Uid);
        Assert.Null(trimmed.Metadata.Annotations);
        Assert.Null(trimmed.Status);
        Assert.Equal("cache", Assert.Single(pod.Spec.Volumes, v => v.EmptyDir is not null).Name);
        Assert.Equal("v-app1-pki", Assert.Single(trimmed.Spec.Volumes).Name);
        Assert.Null(Assert.Single(trimmed.Spec.Containers).Image);
    }
}
