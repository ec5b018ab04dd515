using Box.K8sEventReporting.CustomResourceDefinitions;
using ControlPlane;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Samples;

/// <summary>
/// The sample's CRD is generated from the Pki class: the checked-in samples/ControlPlane/crds/pkis.box.com.yaml (what
/// the README applies) must be exactly what the class generates, and the class must still say what the hand-written CRD
/// said: the columns of <c>kubectl get pkis</c>, and the schema's checks of <c>spec.serviceName</c>.
/// </summary>
public class PkiCustomResourceDefinitionTests
{
    private static readonly string CheckedIn = Path.Combine(AppContext.BaseDirectory, "samples", "ControlPlane", "crds", "pkis.box.com.yaml");

    [Fact]
    public void CheckedInYaml_IsWhatThePkiClassGenerates()
    {
        var generated = CustomResourceDefinitionYaml.Generate<Pki>();

        Assert.True(
            File.ReadAllText(CheckedIn).ReplaceLineEndings("\n") == generated,
            "samples/ControlPlane/crds/pkis.box.com.yaml differs from what the Pki class generates: build samples/ControlPlane "
            + "outside CI (dotnet build samples/ControlPlane) to write it again, and commit it. Generated:\n" + generated);
    }

    [Fact]
    public void PrinterColumns_AreTheOnesKubectlGetPkisShowed_WithAgeLast()
    {
        var version = Assert.Single(CustomResourceDefinitionBuilder.Build<Pki>().Spec.Versions);

        Assert.Equal(
            [
                ("ServiceName", "string", ".spec.serviceName"),
                ("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
                ("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason"),
                ("NotAfter", "string", ".status.notAfter"),
                ("Age", "date", ".metadata.creationTimestamp"),
            ],
            version.AdditionalPrinterColumns.Select(c => (c.Name, c.Type, c.JsonPath)));
    }

    [Fact]
    public void Schema_RequiresServiceName_AsADnsLabel_AndKeepsTheStatusSubresourceAndConditionsMap()
    {
        var crd = CustomResourceDefinitionBuilder.Build<Pki>();
        var version = Assert.Single(crd.Spec.Versions);
        var root = version.Schema.OpenAPIV3Schema;
        var spec = root.Properties["spec"];
        var serviceName = spec.Properties["serviceName"];
        var conditions = root.Properties["status"].Properties["conditions"];

        Assert.Equal(("pkis.box.com", "Namespaced", "PkiList", "pki"), (crd.Metadata.Name, crd.Spec.Scope, crd.Spec.Names.ListKind, crd.Spec.Names.Singular));
        Assert.NotNull(version.Subresources?.Status);
        Assert.Equal(["serviceName"], spec.Required);
        Assert.Equal(("string", 63L, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), (serviceName.Type, serviceName.MaxLength, serviceName.Pattern));
        Assert.Equal(("map", "type"), (conditions.XKubernetesListType, conditions.XKubernetesListMapKeys.Single()));
        Assert.Equal(["True", "False", "Unknown"], ((V1JSONSchemaProps)conditions.Items).Properties["status"].EnumProperty.Cast<string>());
        Assert.StartsWith("The application's Service", serviceName.Description, StringComparison.Ordinal);
    }
}
