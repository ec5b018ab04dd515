using System.ComponentModel.DataAnnotations;
using Box.K8sEventReporting.CustomResourceDefinitions;
using k8s;
using k8s.Models;

namespace ShopOperator;

#region readme-type
/// <summary>A database an application asks for.</summary>
[KubernetesEntity(Group = "shop.example.com", ApiVersion = "v1", Kind = "Database", PluralName = "databases")]
[ShortNames("db")]
[PrinterColumn("Engine", ".spec.engine")]
public sealed class Database : IKubernetesObject<V1ObjectMeta>, ISpec<DatabaseSpec>
{
    public string ApiVersion { get; set; } = "shop.example.com/v1";
    public string Kind { get; set; } = "Database";
    public V1ObjectMeta Metadata { get; set; } = new();
    /// <summary>What the application wants.</summary>
    public DatabaseSpec Spec { get; set; } = new();
}

public sealed class DatabaseSpec
{
    /// <summary>The engine.</summary>
    [Required] public Engine Engine { get; set; }
    /// <summary>Size in GiB.</summary>
    [Range(1, 100)] public int SizeGi { get; set; } = 1;
}

public enum Engine { Postgres, MySql }
#endregion

public class CustomResourceDefinitionExampleTests
{
    [Fact]
    public void Build_TheReadmesType()
    {
        #region readme-code
        V1CustomResourceDefinition crd = CustomResourceDefinitionBuilder.Build<Database>();
        string yaml = CustomResourceDefinitionYaml.Generate<Database>();   // exactly what the build writes
        #endregion

        Assert.Equal("databases.shop.example.com", crd.Metadata.Name);
        Assert.Equal(["db"], crd.Spec.Names.ShortNames);
        Assert.Contains("maximum: 100", yaml, StringComparison.Ordinal);
    }
}
