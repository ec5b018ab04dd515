using System.Text;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Reporting;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Controller;

public sealed class OwnedChildDecisionTests
{
    private const string OwnerUid = "uid-owner";

    private static readonly V1OwnerReference Owner = new()
    {
        ApiVersion = "box.com/v1", Kind = "Pki", Name = "db-password", Uid = OwnerUid, Controller = true, BlockOwnerDeletion = true,
    };

    public static TheoryData<string, V1OwnerReference[]?, string> Owners => new()
    {
        { "no owner references", null, nameof(OwnedChildAction.Conflict) },
        { "an owner reference to us that is not the controller", [Reference(OwnerUid, controller: false)], nameof(OwnedChildAction.Conflict) },
        { "controlled by another uid (a deleted Pki of the same name)", [Reference("uid-other", controller: true)], nameof(OwnedChildAction.Conflict) },
        { "controlled by another, also owned by us", [Reference("uid-other", controller: true), Reference(OwnerUid, controller: false)], nameof(OwnedChildAction.Conflict) },
        { "controlled by us", [Reference(OwnerUid, controller: true)], nameof(OwnedChildAction.None) },
    };

    [Theory]
    [MemberData(nameof(Owners))]
    public void Decide_ExistingChild_WritesOnlyWhenTheOwnerIsItsController(string because, V1OwnerReference[]? owners, string expected)
    {
        var current = Secret("a", owners);

        var action = OwnedChildDecision.Decide(current, OwnerUid, _ => true);

        Assert.True(expected == action.ToString(), because);
    }

    [Fact]
    public void Decide_NoChild_Creates() =>
        Assert.Equal(OwnedChildAction.Create, OwnedChildDecision.Decide<V1Secret>(null, OwnerUid, _ => throw new InvalidOperationException("not compared")));

    [Fact]
    public void Decide_ControlledChildThatDiffers_Updates() =>
        Assert.Equal(OwnedChildAction.Update, OwnedChildDecision.Decide(Secret("a", [Owner]), OwnerUid, _ => false));

    [Fact]
    public void Decide_ControlledChildThatDiffersWhereTheServerWillNotUpdate_Replaces() =>
        Assert.Equal(OwnedChildAction.Replace, OwnedChildDecision.Decide(Secret("a", [Owner]), OwnerUid, _ => false, _ => true));

    [Fact]
    public void Decide_ControlledChildUpToDate_NeverAsksWhetherItCanBeUpdated() =>
        Assert.Equal(OwnedChildAction.None, OwnedChildDecision.Decide(Secret("a", [Owner]), OwnerUid, _ => true, _ => throw new InvalidOperationException("asked")));

    [Fact]
    public void Decide_ForeignChildWhoseTypeDiffers_IsAConflictNeverAReplacement() =>
        Assert.Equal(OwnedChildAction.Conflict, OwnedChildDecision.Decide(Secret("a", [Reference("uid-other", controller: true)]), OwnerUid, _ => false, _ => true));

    [Fact]
    public void Refusal_ServerStatus_NamesTheChildTheAttemptTheFieldAndTheServersMessage()
    {
        const string Status = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Secret \"app2-pki\" is invalid: data[tls.key]: Required value","reason":"Invalid","details":{"name":"app2-pki","kind":"Secret","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"data[tls.key]"}]},"code":422}""";

        var refusal = OwnedChildDecision.Refusal("Secret", "team-a", "app2-pki", "create", 422, Status);

        Assert.Equal("SecretInvalid", refusal.Reason);
        Assert.Equal("data[tls.key]", refusal.FieldPath);
        Assert.Equal(
            "The API server refused to create Secret team-a/app2-pki (422 Invalid, field data[tls.key]): Secret \"app2-pki\" is invalid: data[tls.key]: Required value",
            refusal.Message);
    }

    [Theory]
    [InlineData(403, """{"kind":"Status","status":"Failure","message":"secrets \"a\" is forbidden: User \"system:serviceaccount:cp:cp\" cannot delete resource \"secrets\"","reason":"Forbidden","details":{"name":"a","kind":"secrets"},"code":403}""", "SecretForbidden", "The API server refused to delete (to replace it) Secret team-a/a (403 Forbidden): secrets \"a\" is forbidden: User \"system:serviceaccount:cp:cp\" cannot delete resource \"secrets\"")]
    [InlineData(422, "<html>bad gateway page</html>", "SecretInvalid", "The API server refused to delete (to replace it) Secret team-a/a (422 Invalid)")]
    [InlineData(400, null, "SecretBadRequest", "The API server refused to delete (to replace it) Secret team-a/a (400 BadRequest)")]
    public void Refusal_WithoutCausesOrWithoutAStatus_StillAnUpperCamelCaseReasonAndTheCode(int code, string? body, string reason, string message)
    {
        var refusal = OwnedChildDecision.Refusal("Secret", "team-a", "a", "delete (to replace it)", code, body);

        Assert.Equal((reason, string.Empty, message), (refusal.Reason, refusal.FieldPath, refusal.Message));
        Assert.True(KubernetesNames.IsValidReason(refusal.Reason));
    }

    [Theory]
    [InlineData(400, true)]
    [InlineData(403, true)]
    [InlineData(422, true)]
    [InlineData(401, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(429, false)]
    [InlineData(500, false)]
    public void IsRefusal_OnlyWhatNoRetryFixes(int code, bool refusal) => Assert.Equal(refusal, OwnedChildDecision.IsRefusal(code));

    [Fact]
    public void Decide_ForeignChild_NeverComparesIt() =>
        Assert.Equal(OwnedChildAction.Conflict, OwnedChildDecision.Decide(Secret("a", null), OwnerUid, _ => throw new InvalidOperationException("compared")));

    [Fact]
    public void Decide_ControlledChildBeingDeleted_Waits()
    {
        var current = Secret("a", [Owner]);
        current.Metadata.DeletionTimestamp = DateTime.UtcNow;

        Assert.Equal(OwnedChildAction.WaitForDeletion, OwnedChildDecision.Decide(current, OwnerUid, _ => false));
    }

    [Fact]
    public void IsUpToDate_SameFieldsAndExtraLabelsOnTheServer_IsTrue()
    {
        var desired = Secret("a", [Owner]);
        var current = Secret("a", [Owner]);
        current.Metadata.Labels!["team"] = "x";
        current.Metadata.Annotations = new Dictionary<string, string> { ["note"] = "y" };
        current.Metadata.ResourceVersion = "42";

        Assert.True(OwnedChildDecision.IsUpToDate(current, desired));
    }

    [Theory]
    [InlineData("a changed value")]
    [InlineData("a key added by hand")]
    [InlineData("a missing label")]
    [InlineData("another type")]
    public void IsUpToDate_AnyDifferenceInWhatTheDesiredSets_IsFalse(string difference)
    {
        var desired = Secret("a", [Owner]);
        var current = Secret("a", [Owner]);
        switch (difference)
        {
            case "a changed value":
                current.Data["serviceName"] = Encoding.UTF8.GetBytes("b");
                break;
            case "a key added by hand":
                current.Data["extra"] = [1];
                break;
            case "a missing label":
                current.Metadata.Labels!.Clear();
                break;
            default:
                current.Type = "kubernetes.io/tls";
                break;
        }

        Assert.False(OwnedChildDecision.IsUpToDate(current, desired), difference);
    }

    [Fact]
    public void MergeForUpdate_KeepsWhatOthersSetAndReplacesWhatTheControllerOwns()
    {
        var current = Secret("old", [Reference(OwnerUid, controller: true), Reference("uid-app", controller: false)]);
        current.Metadata.ResourceVersion = "42";
        current.Metadata.Labels!["team"] = "x";
        current.Metadata.Annotations = new Dictionary<string, string> { ["note"] = "y" };
        current.Metadata.Finalizers = ["example.com/keep"];
        current.Immutable = false;
        current.Data["extra"] = [1];
        var desired = Secret("new", [Owner]);
        desired.Immutable = null;

        var body = OwnedChildDecision.MergeForUpdate(current, desired);

        Assert.Equal("42", body.Metadata.ResourceVersion);
        Assert.Equal(["serviceName"], body.Data.Keys);
        Assert.Equal("new", Encoding.UTF8.GetString(body.Data["serviceName"]));
        Assert.Equal("x", body.Metadata.Labels["team"]);
        Assert.Equal("controlplane", body.Metadata.Labels[OwnedChildWriter<V1Secret>.ManagedByLabel]);
        Assert.Equal("y", body.Metadata.Annotations["note"]);
        Assert.Equal(["example.com/keep"], body.Metadata.Finalizers);
        Assert.False(body.Immutable);
        Assert.Equal([(OwnerUid, true), ("uid-app", false)], body.Metadata.OwnerReferences.Select(o => (o.Uid, o.Controller == true)));
        Assert.Equal("old", Encoding.UTF8.GetString(current.Data["serviceName"]));
    }

    [Fact]
    public void Stamp_MakesTheOwnerTheOnlyControllerInItsNamespaceAndLabelsTheChild()
    {
        var desired = new V1Secret { Metadata = new V1ObjectMeta { Name = "a", OwnerReferences = [Reference("uid-other", controller: true)] } };

        OwnedChildDecision.Stamp(desired, Owner, "team-a", "v1", "Secret", "controlplane");

        Assert.Equal("team-a", desired.Metadata.NamespaceProperty);
        Assert.Equal(("v1", "Secret"), (desired.ApiVersion, desired.Kind));
        Assert.Same(Owner, Assert.Single(desired.Metadata.OwnerReferences));
        Assert.Equal("controlplane", desired.Metadata.Labels["app.kubernetes.io/managed-by"]);
    }

    [Fact]
    public void Stamp_ChildInAnotherNamespace_Throws()
    {
        var desired = new V1Secret { Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "team-b" } };

        var ex = Assert.Throws<ArgumentException>(() => OwnedChildDecision.Stamp(desired, Owner, "team-a", "v1", "Secret", "controlplane"));

        Assert.Contains("not in its owner's namespace 'team-a'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conflict_NamesTheObjectAndWhoControlsIt()
    {
        var foreign = Secret("x", [Reference("uid-other", controller: true, kind: "Database", name: "orders")]).Metadata;
        var unowned = Secret("x", null).Metadata;

        var controlled = OwnedChildDecision.Conflict(foreign, "Secret", Owner);
        var none = OwnedChildDecision.Conflict(unowned, "Secret", Owner);

        Assert.Equal("SecretConflict", controlled.Reason);
        Assert.Equal("metadata.name", controlled.FieldPath);
        Assert.Equal(
            "Secret team-a/db-password already exists and is controlled by Database orders (uid uid-other), not by Pki team-a/db-password: it is left unchanged. Remove that Secret to let this Pki create its own.",
            controlled.Message);
        Assert.StartsWith("Secret team-a/db-password already exists and is controlled by no owner, not by Pki team-a/db-password", none.Message, StringComparison.Ordinal);
        Assert.True(KubernetesNames.IsValidReason(none.Reason));
    }

    [Fact]
    public void OwnerReferenceTo_OwnerWithoutUid_Throws() =>
        Assert.Throws<ArgumentException>(() => OwnedChildDecision.OwnerReferenceTo(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "n" } }));

    [Theory]
    [InlineData(null, "app.kubernetes.io/managed-by=cp")]
    [InlineData("", "app.kubernetes.io/managed-by=cp")]
    [InlineData("tier=db", "tier=db,app.kubernetes.io/managed-by=cp")]
    [InlineData("app.kubernetes.io/managed-by=cp", "app.kubernetes.io/managed-by=cp")]
    public void WithLabel_AddsTheRequirementOnce(string? selector, string expected) =>
        Assert.Equal(expected, OwnedChildRegistration.WithLabel(selector, "app.kubernetes.io/managed-by=cp"));

    [Theory]
    [InlineData(null, "controlplane", "controlplane")]
    [InlineData(null, "box.com/controlplane", "controlplane")]
    [InlineData("pki-operator", "controlplane", "pki-operator")]
    public void ManagedBy_DefaultsToTheReportingComponentsName(string? managedBy, string component, string expected) =>
        Assert.Equal(expected, new ControllerOptions { ManagedBy = managedBy }.ManagedByOrDefault(new EventReporterOptions { ReportingComponent = component }));

    [Fact]
    public void ManagedBy_NotALabelValue_FailsValidationNamingTheSetting()
    {
        var result = new ControllerOptionsValidator().Validate(null, new ControllerOptions { ManagedBy = "box.com/cp" });

        Assert.Contains("ControllerOptions.ManagedBy must be a label value", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    private static V1OwnerReference Reference(string uid, bool controller, string kind = "Pki", string name = "db-password") =>
        new() { ApiVersion = "box.com/v1", Kind = kind, Name = name, Uid = uid, Controller = controller };

    private static V1Secret Secret(string serviceName, V1OwnerReference[]? owners) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "db-password",
            NamespaceProperty = "team-a",
            OwnerReferences = owners,
            Labels = new Dictionary<string, string> { [OwnedChildWriter<V1Secret>.ManagedByLabel] = "controlplane" },
        },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { ["serviceName"] = Encoding.UTF8.GetBytes(serviceName) },
    };
}
