using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Box.K8sEventReporting.CustomResourceDefinitions;
using Box.K8sEventReporting.Tests.TestSupport;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.CustomResourceDefinitions;

public class CustomResourceDefinitionBuilderTests
{
    private static V1JSONSchemaProps Root<T>() => Assert.Single(CustomResourceDefinitionBuilder.Build<T>().Spec.Versions).Schema.OpenAPIV3Schema;

    private static V1JSONSchemaProps Items(V1JSONSchemaProps list) => Assert.IsType<V1JSONSchemaProps>(list.Items);

    private static V1JSONSchemaProps Values(V1JSONSchemaProps map) => Assert.IsType<V1JSONSchemaProps>(map.AdditionalProperties);

    [Fact]
    public void Build_Widget_NamesScopeSubresourceAndOneServedStoredVersion()
    {
        var crd = CustomResourceDefinitionBuilder.Build<Widget>();

        Assert.Equal(("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.test"), (crd.ApiVersion, crd.Kind, crd.Metadata.Name));
        Assert.Equal(("example.test", "Namespaced"), (crd.Spec.Group, crd.Spec.Scope));
        Assert.Equal(("Widget", "WidgetList", "widgets", "widget"), (crd.Spec.Names.Kind, crd.Spec.Names.ListKind, crd.Spec.Names.Plural, crd.Spec.Names.Singular));
        Assert.Equal(["wd"], crd.Spec.Names.ShortNames);
        Assert.Equal(["examples"], crd.Spec.Names.Categories);
        var version = Assert.Single(crd.Spec.Versions);
        Assert.Equal(("v1alpha1", true, true), (version.Name, version.Served, version.Storage));
        Assert.NotNull(version.Subresources.Status);
        Assert.Null(version.Subresources.Scale);
    }

    [Fact]
    public void Build_PrinterColumns_InAttributeOrder_WithAgeAddedLast()
    {
        var columns = Assert.Single(CustomResourceDefinitionBuilder.Build<Widget>().Spec.Versions).AdditionalPrinterColumns;

        Assert.Equal(
            [
                ("Size", "integer", ".spec.size", (int?)null, (string?)null),
                ("Color", "string", ".spec.color", 1, "The widget's colour"),
                ("Phase", "string", ".status.phase", null, null),
                ("Age", "date", ".metadata.creationTimestamp", null, null),
            ],
            columns.Select(c => (c.Name, c.Type, c.JsonPath, c.Priority, (string?)c.Description)));
    }

    [Fact]
    public void Build_ColumnShowingCreationTimestamp_IsNotFollowedByASecondAge_AndNoColumnsMeansNone()
    {
        var columns = Assert.Single(CustomResourceDefinitionBuilder.Build<Gadget>().Spec.Versions).AdditionalPrinterColumns;

        Assert.Equal(["Created", "Mode"], columns.Select(c => c.Name));
        Assert.Null(Assert.Single(CustomResourceDefinitionBuilder.Build<Plain>().Spec.Versions).AdditionalPrinterColumns);
    }

    [Fact]
    public void Build_ClusterScopedWithoutStatus_HasNoSubresources_AndTheRootOmitsApiVersionKindAndMetadata()
    {
        var crd = CustomResourceDefinitionBuilder.Build<Gadget>();
        var version = Assert.Single(crd.Spec.Versions);

        Assert.Equal("Cluster", crd.Spec.Scope);
        Assert.Null(version.Subresources);
        Assert.Equal(["data", "spec"], version.Schema.OpenAPIV3Schema.Properties.Keys);
        Assert.Equal("gadgets", crd.Spec.Names.Plural);
    }

    [Fact]
    public void Schema_ScalarsEnumsAndFormats_AsTheKubernetesClientSerializerWritesThem()
    {
        var spec = Root<Widget>().Properties["spec"].Properties;

        Assert.Equal(("integer", "int32"), (spec["size"].Type, spec["size"].Format));
        Assert.Equal(("integer", "int64"), (spec["budget"].Type, spec["budget"].Format));
        Assert.Equal(("number", "double"), (spec["ratio"].Type, spec["ratio"].Format));
        Assert.Equal("boolean", spec["enabled"].Type);
        Assert.Equal(("string", "date-time"), (spec["deadline"].Type, spec["deadline"].Format));
        Assert.Equal(("string", "byte"), (spec["payload"].Type, spec["payload"].Format));
        Assert.Equal(("string", "uuid"), (spec["id"].Type, spec["id"].Format));
        Assert.Equal("string", spec["color"].Type);
        Assert.Equal(["Red", "Green", "Blue"], spec["color"].EnumProperty);
        Assert.Equal((true, null), (spec["port"].XKubernetesIntOrString, spec["port"].Type));
        Assert.Equal(["integer", "string"], spec["port"].AnyOf.Select(a => a.Type));
        Assert.Equal(true, spec["memory"].XKubernetesIntOrString);
        Assert.StartsWith("^(\\+|-)?", spec["memory"].Pattern, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_RequiredAndNullable_FollowRequiredAttributesAndNullableAnnotations()
    {
        var root = Root<Widget>();
        var spec = root.Properties["spec"];

        Assert.Equal(["spec"], root.Required);
        Assert.Equal(["name"], spec.Required);
        Assert.Null(spec.Nullable);                               // required
        Assert.True(root.Properties["status"].Nullable);           // WidgetStatus?
        Assert.True(spec.Properties["minReplicas"].Nullable);      // int?
        Assert.True(spec.Properties["code"].Nullable);             // string?
        Assert.Null(spec.Properties["size"].Nullable);             // int
        Assert.Null(spec.Properties["tags"].Nullable);             // IList<string>, not annotated
        Assert.Null(spec.Properties["name"].Nullable);
    }

    [Fact]
    public void Schema_DataAnnotations_BecomeTheChecksTheApiServerMakes()
    {
        var spec = Root<Widget>().Properties["spec"].Properties;

        Assert.Equal((1L, 40L), (spec["name"].MinLength, spec["name"].MaxLength));
        Assert.Equal((1.0, 100.0, (bool?)null), (spec["size"].Minimum, spec["size"].Maximum, spec["size"].ExclusiveMaximum));
        Assert.Equal((0.0, 1.0, (bool?)true, (bool?)null), (spec["ratio"].Minimum, spec["ratio"].Maximum, spec["ratio"].ExclusiveMaximum, spec["ratio"].ExclusiveMinimum));
        Assert.Equal((1L, 5L), (spec["tags"].MinItems, spec["tags"].MaxItems));
        Assert.Equal("^(?:[a-z]+)$", spec["code"].Pattern);
        Assert.Equal(["stable", "beta"], spec["channel"].EnumProperty);
        Assert.Equal("standard", spec["tier"].DefaultProperty);
    }

    [Fact]
    public void Schema_ListsMapsNestedObjectsAndListMaps()
    {
        var spec = Root<Widget>().Properties["spec"].Properties;

        Assert.Equal(("array", "string"), (spec["tags"].Type, Items(spec["tags"]).Type));
        Assert.Equal(("object", "string"), (spec["labels"].Type, Values(spec["labels"]).Type));
        var part = Values(spec["partsByName"]);
        Assert.Equal(["children", "count", "name"], part.Properties.Keys);
        Assert.Equal(["name"], part.Required);
        Assert.Equal((0.0, 10.0), (part.Properties["count"].Minimum, part.Properties["count"].Maximum));
        Assert.Equal(("map", "name"), (spec["parts"].XKubernetesListType, spec["parts"].XKubernetesListMapKeys.Single()));
        Assert.Equal(["name"], Items(spec["parts"]).Required);
        Assert.Equal(["children", "count", "name"], spec["primary"].Properties.Keys);
        // A type that contains itself: kept as given, there being no $ref in a CRD.
        var children = Items(spec["primary"].Properties["children"]);
        Assert.Equal(("object", true, null), (children.Type, children.XKubernetesPreserveUnknownFields, children.Properties));
    }

    [Fact]
    public void Schema_FreeFormFields_PreserveUnknownFields()
    {
        var spec = Root<Widget>().Properties["spec"].Properties;

        Assert.Equal(("object", true), (spec["extra"].Type, spec["extra"].XKubernetesPreserveUnknownFields));
        Assert.Equal((true, "mode"), (spec["settings"].XKubernetesPreserveUnknownFields, spec["settings"].Properties.Keys.Single()));
        var gadget = Root<Gadget>().Properties;
        Assert.Equal((true, null), (gadget["data"].XKubernetesPreserveUnknownFields, gadget["data"].Type));        // JsonElement
        Assert.True(gadget["spec"].XKubernetesPreserveUnknownFields);                                             // [JsonExtensionData]
        Assert.DoesNotContain("rest", gadget["spec"].Properties.Keys);
    }

    [Fact]
    public void Schema_ConditionsOfTheKubernetesClient_HaveTheirRequiredFieldsAndStatusEnum()
    {
        var conditions = Root<Widget>().Properties["status"].Properties["conditions"];
        var condition = Items(conditions);

        Assert.Equal(("map", "type"), (conditions.XKubernetesListType, conditions.XKubernetesListMapKeys.Single()));
        Assert.Equal(["type", "status"], condition.Required);
        Assert.Equal(["lastTransitionTime", "message", "observedGeneration", "reason", "status", "type"], condition.Properties.Keys);
        Assert.Equal(["True", "False", "Unknown"], condition.Properties["status"].EnumProperty);
    }

    [Fact]
    public void Schema_CelValidation_OnTheType()
    {
        var rule = Assert.Single(Root<Widget>().Properties["spec"].XKubernetesValidations);

        Assert.Equal(
            ("!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas", "minReplicas must not exceed maxReplicas", ".minReplicas", (string?)null),
            (rule.Rule, rule.Message, rule.FieldPath, rule.Reason));
    }

    [Fact]
    public void Schema_JsonNames_FromJsonPropertyNameOrCamelCase_IgnoredOnesLeftOut_AndPropertiesSorted()
    {
        var spec = Root<Gadget>().Properties["spec"];

        Assert.Equal(["URL", "mode", "nestedThing"], spec.Properties.Keys);
        Assert.Equal("x-kubernetes-validations", typeof(V1JSONSchemaProps).GetProperty(nameof(V1JSONSchemaProps.XKubernetesValidations))!
            .GetCustomAttributes(typeof(JsonPropertyNameAttribute), false).Cast<JsonPropertyNameAttribute>().Single().Name);
    }

    [Fact]
    public void Schema_Descriptions_FromDescriptionAttributeOrXmlDocs()
    {
        var root = Root<Widget>();

        Assert.Equal("A widget: a test resource with every kind of field the CRD generator maps.", root.Description);
        Assert.Equal("What the widget should be.", root.Properties["spec"].Description);
        Assert.Equal("How big, 1 to 100.", root.Properties["spec"].Properties["size"].Description);
        Assert.Equal("Lowercase letters only (the whole value: a [RegularExpression] is anchored).", root.Properties["spec"].Properties["code"].Description);
        Assert.Equal("Said by [Description].", Root<Gadget>().Properties["spec"].Properties["mode"].Description);
    }

    [Fact]
    public void Build_RefusesWhatIsNotACustomResource_OrCannotBeSaidInACrd()
    {
        Assert.Contains("no [KubernetesEntity]", Assert.Throws<ArgumentException>(() => CustomResourceDefinitionBuilder.Build<WidgetSpec>()).Message, StringComparison.Ordinal);
        Assert.Contains("no Group", Assert.Throws<ArgumentException>(() => CustomResourceDefinitionBuilder.Build<V1Pod>()).Message, StringComparison.Ordinal);
        Assert.Contains("not required: kind", Assert.Throws<InvalidOperationException>(() => CustomResourceDefinitionBuilder.Build<BadListMap>()).Message, StringComparison.Ordinal);
        Assert.Contains("[Range] is supported on numbers only", Assert.Throws<InvalidOperationException>(() => CustomResourceDefinitionBuilder.Build<BadRange>()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_IsDeterministic_WithAHeaderNamingTheType_AndLoadsBackAsTheSameDefinition()
    {
        var first = CustomResourceDefinitionYaml.Generate<Widget>();
        var second = CustomResourceDefinitionYaml.Generate(Type.GetType(typeof(Widget).AssemblyQualifiedName!)!);

        Assert.Equal(first, second);
        Assert.StartsWith("# Generated by Box.K8sEventReporting.CustomResourceDefinitions from Box.K8sEventReporting.Tests.TestSupport.Widget: change the type, not this file.\napiVersion: apiextensions.k8s.io/v1\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", first, StringComparison.Ordinal);
        var loaded = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(first);
        Assert.Equal(
            JsonSerializer.Serialize(JsonDocument.Parse(KubernetesJson.Serialize(CustomResourceDefinitionBuilder.Build<Widget>())).RootElement),
            JsonSerializer.Serialize(JsonDocument.Parse(KubernetesJson.Serialize(loaded)).RootElement));
        Assert.Equal("widgets.example.test.yaml", CustomResourceDefinitionYaml.FileName(loaded));
    }

    /// <summary>A cluster-scoped resource with no status, a free-form field, JSON names and a column on creationTimestamp.</summary>
    [KubernetesEntity(Group = "example.test", ApiVersion = "v1", Kind = "Gadget", PluralName = "gadgets")]
    [ClusterScoped]
    [PrinterColumn("Created", ".metadata.creationTimestamp", Type = PrinterColumnType.Date)]
    [PrinterColumn("Mode", ".spec.mode")]
    public sealed class Gadget : IKubernetesObject<V1ObjectMeta>
    {
        public string ApiVersion { get; set; } = "example.test/v1";

        public string Kind { get; set; } = "Gadget";

        public V1ObjectMeta Metadata { get; set; } = new();

        public GadgetSpec Spec { get; set; } = new();

        public JsonElement Data { get; set; }
    }

    public sealed class GadgetSpec
    {
        [System.ComponentModel.Description("Said by [Description].")]
        public string? Mode { get; set; }

        [JsonPropertyName("URL")]
        public string? Url { get; set; }

        public Nested? NestedThing { get; set; }

        [JsonIgnore]
        public string? Secret { get; set; }

        [JsonIgnore(Condition = JsonIgnoreCondition.Always)]
        public string? AlsoSecret { get; set; }

        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Rest { get; set; }
    }

    public sealed class Nested
    {
        public int Value { get; set; }
    }

    [KubernetesEntity(Group = "example.test", ApiVersion = "v1", Kind = "Plain", PluralName = "plains")]
    public sealed class Plain
    {
        public string? Spec { get; set; }
    }

    [KubernetesEntity(Group = "example.test", ApiVersion = "v1", Kind = "BadListMap", PluralName = "badlistmaps")]
    public sealed class BadListMap
    {
        [ListType(KubernetesListType.Map, "kind")]
        public IList<Nested>? Items { get; set; }
    }

    [KubernetesEntity(Group = "example.test", ApiVersion = "v1", Kind = "BadRange", PluralName = "badranges")]
    public sealed class BadRange
    {
        [Range(typeof(DateTime), "2020-01-01", "2030-01-01")]
        public string? When { get; set; }
    }
}
