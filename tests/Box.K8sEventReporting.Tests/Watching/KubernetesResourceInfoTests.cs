using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Watching;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Watching;

public class KubernetesResourceInfoTests
{
    [Theory]
    [InlineData(typeof(V1Pod), null, "api/v1/pods")]
    [InlineData(typeof(V1Secret), "team-a", "api/v1/namespaces/team-a/secrets")]
    [InlineData(typeof(TestPki), null, "apis/box.com/v1/pkis")]
    [InlineData(typeof(TestPki), "team-b", "apis/box.com/v1/namespaces/team-b/pkis")]
    [InlineData(typeof(V1Lease), "x", "apis/coordination.k8s.io/v1/namespaces/x/leases")]
    public void GetCollectionPath_CoreAndGroupedTypes_UsesApiOrApisPrefix(Type type, string? ns, string expected)
    {
        var info = KubernetesResourceInfo.For(type);

        Assert.Equal(expected, info.GetCollectionPath(ns));
    }

    [Fact]
    public void ApiVersion_CoreGroup_IsVersionOnly()
    {
        Assert.Equal("v1", KubernetesResourceInfo.For(typeof(V1Pod)).ApiVersion);
        Assert.Equal("box.com/v1", KubernetesResourceInfo.For(typeof(TestPki)).ApiVersion);
    }

    [Fact]
    public void For_TypeWithoutAttribute_ThrowsWithFix()
    {
        var ex = Assert.Throws<ArgumentException>(() => KubernetesResourceInfo.For(typeof(string)));

        Assert.Contains("[KubernetesEntity", ex.Message, StringComparison.Ordinal);
    }
}
