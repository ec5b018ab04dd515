using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.CustomResourceDefinitions;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.TestSupport;

/// <summary>A widget: a test resource with every kind of field the CRD generator maps.</summary>
/// <remarks>Its CRD (<c>widgets.example.test</c>) is generated from this class; objects round-trip through an API server unpruned.</remarks>
[KubernetesEntity(Group = "example.test", ApiVersion = "v1alpha1", Kind = "Widget", PluralName = "widgets")]
[ShortNames("wd")]
[Categories("examples")]
[PrinterColumn("Size", ".spec.size", Type = PrinterColumnType.Integer)]
[PrinterColumn("Color", ".spec.color", Priority = 1, Description = "The widget's colour")]
[PrinterColumn("Phase", ".status.phase")]
public sealed class Widget : IKubernetesObject<V1ObjectMeta>, ISpec<WidgetSpec>, IStatus<WidgetStatus?>
{
    public string ApiVersion { get; set; } = "example.test/v1alpha1";

    public string Kind { get; set; } = "Widget";

    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What the widget should be.</summary>
    [Required]
    public WidgetSpec Spec { get; set; } = new();

    /// <summary>What the widget is.</summary>
    public WidgetStatus? Status { get; set; }
}

/// <summary>What a widget should be.</summary>
[CelValidation("!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas", Message = "minReplicas must not exceed maxReplicas", FieldPath = ".minReplicas")]
public sealed class WidgetSpec
{
    /// <summary>The display name.</summary>
    [Required]
    [StringLength(40, MinimumLength = 1)]
    public string Name { get; set; } = string.Empty;

    /// <summary>How big, <c>1</c> to <c>100</c>.</summary>
    [Range(1, 100)]
    public int Size { get; set; }

    /// <summary>A fraction, at least 0 and below 1.</summary>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Ratio { get; set; }

    /// <summary>At least this many replicas.</summary>
    [Range(0, int.MaxValue)]
    public int? MinReplicas { get; set; }

    /// <summary>At most this many replicas.</summary>
    public int? MaxReplicas { get; set; }

    /// <summary>The colour.</summary>
    public WidgetColor Color { get; set; }

    /// <summary>Lowercase letters only (the whole value: a [RegularExpression] is anchored).</summary>
    [RegularExpression("[a-z]+")]
    public string? Code { get; set; }

    /// <summary>Whether the widget is on.</summary>
    public bool Enabled { get; set; }

    /// <summary>A large number.</summary>
    public long Budget { get; set; }

    /// <summary>When it must be done.</summary>
    public DateTimeOffset? Deadline { get; set; }

    /// <summary>Up to five tags.</summary>
    [MinLength(1)]
    [MaxLength(5)]
    public IList<string> Tags { get; set; } = [];

    /// <summary>Free labels.</summary>
    public IDictionary<string, string>? Labels { get; set; }

    /// <summary>Parts by name.</summary>
    public Dictionary<string, WidgetPart>? PartsByName { get; set; }

    /// <summary>The parts, one per name.</summary>
    [ListType(KubernetesListType.Map, "name")]
    public IList<WidgetPart>? Parts { get; set; }

    /// <summary>The main part.</summary>
    public WidgetPart? Primary { get; set; }

    /// <summary>A port number or name.</summary>
    public IntOrString? Port { get; set; }

    /// <summary>Memory, as a quantity.</summary>
    public ResourceQuantity? Memory { get; set; }

    /// <summary>Anything at all, kept as given.</summary>
    public JsonObject? Extra { get; set; }

    /// <summary>Settings the widget passes on, whatever they are.</summary>
    [PreserveUnknownFields]
    public WidgetSettings? Settings { get; set; }

    /// <summary>One of two channels.</summary>
    [AllowedValues("stable", "beta")]
    public string? Channel { get; set; }

    /// <summary>Opaque bytes.</summary>
    public byte[]? Payload { get; set; }

    /// <summary>A tier; standard unless given.</summary>
    [DefaultValue("standard")]
    public string? Tier { get; set; }

    /// <summary>An identifier.</summary>
    public Guid? Id { get; set; }
}

/// <summary>A part of a widget.</summary>
public sealed class WidgetPart
{
    /// <summary>The part's name.</summary>
    [Required]
    public string Name { get; set; } = string.Empty;

    /// <summary>How many.</summary>
    [Range(0, 10)]
    public int Count { get; set; }

    /// <summary>Parts of the part (a type that contains itself: kept as given).</summary>
    public IList<WidgetPart>? Children { get; set; }
}

/// <summary>Settings with one known field; others are kept.</summary>
public sealed class WidgetSettings
{
    /// <summary>The mode.</summary>
    public string? Mode { get; set; }
}

/// <summary>A colour.</summary>
public enum WidgetColor
{
    /// <summary>Red.</summary>
    Red,

    /// <summary>Green.</summary>
    Green,

    /// <summary>Blue.</summary>
    Blue,
}

/// <summary>What a widget is.</summary>
public sealed class WidgetStatus
{
    /// <summary>The phase.</summary>
    public string? Phase { get; set; }

    /// <summary>The metadata.generation last acted on.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>The conditions, one per type.</summary>
    [ListType(KubernetesListType.Map, "type")]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>Counts by kind.</summary>
    public IDictionary<string, long>? Counts { get; set; }
}
