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

    [Theory]
    [InlineData("ControlPlane", "controlplane")]
    [InlineData("Acme.DatabaseOperator", "acme.databaseoperator")]
    [InlineData("my app (v2)", "my-app--v2")]
    [InlineData("_internal_", "internal")]
    [InlineData("???", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void ToComponentName_SanitizesAnApplicationName(string? name, string? expected)
    {
        var component = KubernetesNames.ToComponentName(name);

        Assert.Equal(expected, component);
        Assert.True(component is null || KubernetesNames.IsQualifiedName(component));
    }

    [Fact]
    public void ToComponentName_LongName_IsCutTo63Characters() =>
        Assert.Equal(new string('a', 63), KubernetesNames.ToComponentName(new string('A', 100)));

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
