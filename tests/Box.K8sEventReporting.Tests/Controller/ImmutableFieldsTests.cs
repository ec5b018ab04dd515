using System.Text;
using Box.K8sEventReporting.Controller;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Controller;

public sealed class ImmutableFieldsTests
{
    private static readonly ImmutableFields SecretRules = ImmutableFields.For(string.Empty, "Secret", null);
    private static readonly ImmutableFields ConfigMapRules = ImmutableFields.For(string.Empty, "ConfigMap", null);

    [Theory]
    [InlineData("Opaque", "kubernetes.io/tls", "type")]
    [InlineData("Opaque", "Opaque", null)]
    [InlineData("Opaque", null, null)]
    public void Secret_TypeNeverChanges(string current, string? update, string? expected) =>
        Assert.Equal(expected, SecretRules.FirstRefusedChange(Secret(current, "one"), Secret(update, "one")));

    [Fact]
    public void Secret_DataChangeOfAMutableSecret_IsAnUpdate() =>
        Assert.Null(SecretRules.FirstRefusedChange(Secret("Opaque", "one"), Secret("Opaque", "two")));

    [Theory]
    [InlineData("two", true, "data")]
    [InlineData("one", false, "immutable")]
    [InlineData("one", null, "immutable")]
    [InlineData("one", true, null)]
    public void Secret_OnceImmutable_NeitherDataNorImmutableChange(string data, bool? immutable, string? expected)
    {
        var current = Secret("Opaque", "one", immutable: true);
        var update = Secret("Opaque", data, immutable);
        update.Metadata.Labels = new Dictionary<string, string> { ["team"] = "a" };

        Assert.Equal(expected, SecretRules.FirstRefusedChange(current, update));
    }

    [Fact]
    public void Secret_OnceImmutable_StringDataIsComparedAsTheDataItBecomes()
    {
        var current = Secret("Opaque", "one", immutable: true);
        var same = new V1Secret { Metadata = current.Metadata, Type = "Opaque", Immutable = true, StringData = new Dictionary<string, string> { ["password"] = "one" } };
        var changed = new V1Secret { Metadata = current.Metadata, Type = "Opaque", Immutable = true, StringData = new Dictionary<string, string> { ["password"] = "two" } };

        Assert.Null(SecretRules.FirstRefusedChange(current, same));
        Assert.Equal("data", SecretRules.FirstRefusedChange(current, changed));
    }

    [Theory]
    [InlineData("b", null, true, "data")]
    [InlineData("a", "x", true, "binaryData")]
    [InlineData("a", null, false, "immutable")]
    [InlineData("a", null, true, null)]
    public void ConfigMap_OnceImmutable_NothingOfItsContentChanges(string mode, string? blob, bool immutable, string? expected)
    {
        var current = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Immutable = true, Data = new Dictionary<string, string> { ["mode"] = "a" } };
        var update = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "settings" },
            Immutable = immutable,
            Data = new Dictionary<string, string> { ["mode"] = mode },
            BinaryData = blob is null ? null : new Dictionary<string, byte[]> { ["blob"] = Encoding.UTF8.GetBytes(blob) },
        };

        Assert.Equal(expected, ConfigMapRules.FirstRefusedChange(current, update));
    }

    [Fact]
    public void ConfigMap_Mutable_DataChangeIsAnUpdate() =>
        Assert.Null(ConfigMapRules.FirstRefusedChange(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "s" }, Data = new Dictionary<string, string> { ["mode"] = "a" } },
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "s" }, Data = new Dictionary<string, string> { ["mode"] = "b" } }));

    [Theory]
    [InlineData("10.0.0.5", "10.0.0.6", "spec.clusterIP")]
    [InlineData("10.0.0.5", null, null)]
    [InlineData("10.0.0.5", "", null)]
    [InlineData("10.0.0.5", "10.0.0.5", null)]
    public void Service_AnAllocatedClusterIPStays(string current, string? update, string? expected) =>
        Assert.Equal(expected, ImmutableFields.For(string.Empty, "Service", null).FirstRefusedChange(
            new V1Service { Metadata = new V1ObjectMeta { Name = "s" }, Spec = new V1ServiceSpec { ClusterIP = current } },
            new V1Service { Metadata = new V1ObjectMeta { Name = "s" }, Spec = new V1ServiceSpec { ClusterIP = update } }));

    [Theory]
    [InlineData("apps", "Deployment")]
    [InlineData("apps", "StatefulSet")]
    [InlineData("batch", "Job")]
    public void Workloads_TheSelectorNeverChanges(string group, string kind)
    {
        var rules = ImmutableFields.For(group, kind, null);
        var current = new V1Deployment { Metadata = new V1ObjectMeta { Name = "w" }, Spec = new V1DeploymentSpec { Selector = Selector("a"), Replicas = 1 } };

        Assert.Equal("spec.selector", rules.FirstRefusedChange(current, new V1Deployment { Metadata = current.Metadata, Spec = new V1DeploymentSpec { Selector = Selector("b"), Replicas = 1 } }));
        Assert.Null(rules.FirstRefusedChange(current, new V1Deployment { Metadata = current.Metadata, Spec = new V1DeploymentSpec { Selector = Selector("a"), Replicas = 3 } }));
    }

    [Fact]
    public void Declared_AFieldSetOnBothSidesThatDiffers_IsRefused()
    {
        var rules = ImmutableFields.For("box.com", "Volume", ["spec.storageClassName"]);
        var current = new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = "v" }, Spec = new V1PersistentVolumeClaimSpec { StorageClassName = "fast" } };

        Assert.Equal("spec.storageClassName", rules.FirstRefusedChange(current, new V1PersistentVolumeClaim { Metadata = current.Metadata, Spec = new V1PersistentVolumeClaimSpec { StorageClassName = "slow" } }));
        Assert.Null(rules.FirstRefusedChange(current, new V1PersistentVolumeClaim { Metadata = current.Metadata, Spec = new V1PersistentVolumeClaimSpec() }));
        Assert.Null(ImmutableFields.For("box.com", "Volume", null).FirstRefusedChange(current, new V1PersistentVolumeClaim { Metadata = current.Metadata, Spec = new V1PersistentVolumeClaimSpec { StorageClassName = "slow" } }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("spec..name")]
    [InlineData(".spec")]
    public void Declared_NotADottedPath_Throws(string path) =>
        Assert.Throws<ArgumentException>(() => ImmutableFields.For("box.com", "Volume", [path]));

    private static V1LabelSelector Selector(string app) => new() { MatchLabels = new Dictionary<string, string> { ["app"] = app } };

    private static V1Secret Secret(string? type, string password, bool? immutable = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = "team-a" },
        Type = type,
        Immutable = immutable,
        Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes(password) },
    };
}
