using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Tests.TestSupport;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Primitives;

public class KubernetesEntityMetadataTests
{
    [Theory]
    [InlineData(typeof(V1Pod), null, "api/v1/pods")]
    [InlineData(typeof(V1Secret), "team-a", "api/v1/namespaces/team-a/secrets")]
    [InlineData(typeof(TestPki), null, "apis/box.com/v1/pkis")]
    [InlineData(typeof(TestPki), "team-b", "apis/box.com/v1/namespaces/team-b/pkis")]
    [InlineData(typeof(V1Lease), "x", "apis/coordination.k8s.io/v1/namespaces/x/leases")]
    public void GetCollectionPath_CoreAndGroupedTypes_UsesApiOrApisPrefix(Type type, string? ns, string expected)
    {
        var info = KubernetesEntityMetadata.Of(type);

        Assert.Equal(expected, info.GetCollectionPath(ns));
    }

    [Fact]
    public void GetObjectPath_NamespacedObject_AppendsEscapedName()
    {
        Assert.Equal("apis/box.com/v1/namespaces/a/pkis/web", KubernetesEntityMetadata.Of<TestPki>().GetObjectPath("a", "web"));
    }

    [Fact]
    public void ApiVersion_CoreGroup_IsVersionOnly()
    {
        Assert.Equal("v1", KubernetesEntityMetadata.Of<V1Pod>().ApiVersion);
        Assert.Equal("box.com/v1", KubernetesEntityMetadata.Of<TestPki>().ApiVersion);
    }

    [Fact]
    public void Of_PluralNotKindPlusS_ReadsPluralNameFromAttribute()
    {
        // NetworkPolicy's plural is networkpolicies: a guess from the kind would be networkpolicys.
        Assert.Equal("networkpolicies", KubernetesEntityMetadata.Of<V1NetworkPolicy>().Plural);
        Assert.Equal("endpoints", KubernetesEntityMetadata.Of<V1Endpoints>().Plural);
    }

    [Fact]
    public void Of_TypeWithoutAttribute_ThrowsWithFix()
    {
        var ex = Assert.Throws<ArgumentException>(() => KubernetesEntityMetadata.Of<string>());

        Assert.Contains("[KubernetesEntity", ex.Message, StringComparison.Ordinal);
        Assert.False(KubernetesEntityMetadata.TryOf(typeof(string), out _));
    }

    [Fact]
    public void Of_AttributeWithoutPluralName_ThrowsNamingWhatIsMissing()
    {
        var ex = Assert.Throws<ArgumentException>(() => KubernetesEntityMetadata.Of<NoPlural>());

        Assert.Contains("PluralName ''", ex.Message, StringComparison.Ordinal);
    }

    [KubernetesEntity(Group = "box.com", ApiVersion = "v1", Kind = "NoPlural")]
    private sealed class NoPlural;
}
