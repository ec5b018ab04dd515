using Box.K8sEventReporting.Reporting;

namespace Box.K8sEventReporting.Tests.Reporting;

public class KubernetesNamesTests
{
    [Theory]
    [InlineData("InvalidServiceName", true)]
    [InlineData("Valid", true)]
    [InlineData("Http2Error", true)]
    [InlineData("invalidServiceName", false)]
    [InlineData("Invalid Service", false)]
    [InlineData("Invalid_Service", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsValidReason_Table(string? reason, bool expected) => Assert.Equal(expected, KubernetesNames.IsValidReason(reason));

    [Fact]
    public void IsValidReason_129Characters_IsRejected() => Assert.False(KubernetesNames.IsValidReason("A" + new string('b', 128)));

    [Theory]
    [InlineData("controlplane", true)]
    [InlineData("box.com/controlplane", true)]
    [InlineData("My_Name.1", true)]
    [InlineData("/controlplane", false)]
    [InlineData("Box.com/controlplane", false)]
    [InlineData("box.com/", false)]
    [InlineData("-controlplane", false)]
    [InlineData("control plane", false)]
    [InlineData("", false)]
    public void IsQualifiedName_Table(string value, bool expected) => Assert.Equal(expected, KubernetesNames.IsQualifiedName(value));
}
