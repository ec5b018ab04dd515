using Box.K8sEventReporting.Primitives;
using System.Text.Json.Nodes;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using k8s;
using k8s.Models;

namespace Box.K8sEventReporting.Controller;

/// <summary>What <see cref="OwnedChildWriter{TChild}"/> does with one child object, decided from what is known of it.</summary>
internal enum OwnedChildAction
{
    /// <summary>No such object is known: create it.</summary>
    Create,

    /// <summary>The owner controls it and it differs from the desired object: update it.</summary>
    Update,

    /// <summary>
    /// The owner controls it and it differs in a field the API server will not update: delete it (with its uid and
    /// resourceVersion as preconditions) and create it anew.
    /// </summary>
    Replace,

    /// <summary>The owner controls it and it already is as desired.</summary>
    None,

    /// <summary>Someone else controls it, or no one does: leave it alone and report a conflict.</summary>
    Conflict,

    /// <summary>The owner controls it but it is being deleted: wait for it to go.</summary>
    WaitForDeletion,
}

/// <summary>The owned-child writer's decisions and object shaping, without I/O.</summary>
internal static class OwnedChildDecision
{
    /// <summary>The suffix of a conflict's reason, after the child's kind (<c>SecretConflict</c>).</summary>
    public const string ConflictReasonSuffix = "Conflict";

    /// <summary>How long a pending child (being deleted, or changing under the writer) waits before it is reconciled again.</summary>
    public static readonly TimeSpan PendingRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Decides what to do with <paramref name="current"/>.</summary>
    /// <param name="current">The child as known (cache or read), or <see langword="null"/>.</param>
    /// <param name="ownerUid">The owner's uid.</param>
    /// <param name="isUpToDate">Whether a child the owner controls already is as desired; never called for another's.</param>
    /// <param name="cannotUpdate">Whether a controlled child that differs differs in a field the server will not update.</param>
    public static OwnedChildAction Decide<TChild>(TChild? current, string ownerUid, Func<TChild, bool> isUpToDate, Func<TChild, bool>? cannotUpdate = null)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        if (current is null)
        {
            return OwnedChildAction.Create;
        }

        if (!IsControlledBy(current.Metadata, ownerUid))
        {
            return OwnedChildAction.Conflict;
        }

        if (current.Metadata.DeletionTimestamp is not null)
        {
            return OwnedChildAction.WaitForDeletion;
        }

        if (isUpToDate(current))
        {
            return OwnedChildAction.None;
        }

        return cannotUpdate?.Invoke(current) == true ? OwnedChildAction.Replace : OwnedChildAction.Update;
    }

    /// <summary>The controlling owner reference (<c>controller: true</c>), if any.</summary>
    public static V1OwnerReference? ControllerOf(V1ObjectMeta? metadata) =>
        metadata?.OwnerReferences?.FirstOrDefault(static o => o.Controller == true);

    public static bool IsControlledBy(V1ObjectMeta? metadata, string ownerUid) =>
        ControllerOf(metadata) is { } controller && string.Equals(controller.Uid, ownerUid, StringComparison.Ordinal);

    /// <summary>The controlling owner reference to <paramref name="owner"/>.</summary>
    /// <exception cref="ArgumentException">The owner has no name, kind or uid.</exception>
    public static V1OwnerReference OwnerReferenceTo(IKubernetesObject<V1ObjectMeta> owner)
    {
        var self = ObjectReferences.Create(owner);
        if (string.IsNullOrEmpty(self.Uid) || string.IsNullOrEmpty(self.ApiVersion))
        {
            throw new ArgumentException($"{self.Kind} {self.NamespaceProperty}/{self.Name} has no uid or apiVersion: only an object read from the API server can own a child.", nameof(owner));
        }

        return new V1OwnerReference
        {
            ApiVersion = self.ApiVersion,
            Kind = self.Kind,
            Name = self.Name,
            Uid = self.Uid,
            Controller = true,
            BlockOwnerDeletion = true,
        };
    }

    /// <summary>The desired child for <paramref name="existing"/>, stamped (see <see cref="Stamp"/>), with the name asked for.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="desiredFor"/> returned <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The desired child has another name.</exception>
    public static TChild Desired<TChild>(
        Func<TChild?, TChild> desiredFor, TChild? existing, string name, V1OwnerReference owner, string? ownerNamespace, KubernetesEntityMetadata info, string managedBy)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        var child = desiredFor(existing) ?? throw new InvalidOperationException($"The desired {info.Kind} for {ownerNamespace}/{name} is null.");
        Stamp(child, owner, ownerNamespace, info.ApiVersion, info.Kind, managedBy);
        if (!string.Equals(child.Metadata.Name, name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The desired {info.Kind} is named '{child.Metadata.Name}', not '{name}'.", nameof(desiredFor));
        }

        return child;
    }

    /// <summary>The child's field a 422 names first (its first cause's field), if any.</summary>
    public static string? RefusedField(int statusCode, string? content) =>
        Refusal("Child", null, "child", "update", statusCode, content).FieldPath is { Length: > 0 } field ? field : null;

    /// <summary>
    /// Makes <paramref name="desired"/> a child of the owner: its apiVersion and kind, the owner's namespace, the owner as
    /// its only controller, and the managed-by label.
    /// </summary>
    /// <exception cref="ArgumentException">The desired object has no name, or lives in another namespace than its owner.</exception>
    public static void Stamp<TChild>(TChild desired, V1OwnerReference owner, string? ownerNamespace, string apiVersion, string kind, string managedBy)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        var metadata = desired.Metadata ??= new V1ObjectMeta();
        if (string.IsNullOrEmpty(metadata.Name))
        {
            throw new ArgumentException($"The desired {kind} has no metadata.name.", nameof(desired));
        }

        if (string.IsNullOrEmpty(metadata.NamespaceProperty))
        {
            metadata.NamespaceProperty = ownerNamespace;
        }
        else if (!string.Equals(metadata.NamespaceProperty, ownerNamespace, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The desired {kind} {metadata.NamespaceProperty}/{metadata.Name} is not in its owner's namespace '{ownerNamespace}': Kubernetes owner references do not cross namespaces.",
                nameof(desired));
        }

        desired.ApiVersion = string.IsNullOrEmpty(desired.ApiVersion) ? apiVersion : desired.ApiVersion;
        desired.Kind = string.IsNullOrEmpty(desired.Kind) ? kind : desired.Kind;
        metadata.Labels = new Dictionary<string, string>(metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [OwnedChildWriter<TChild>.ManagedByLabel] = managedBy,
        };
        metadata.OwnerReferences = [owner];
    }

    /// <summary>
    /// Whether <paramref name="current"/> already holds everything <paramref name="desired"/> sets: each top-level field the
    /// desired object sets (other than metadata and status) is equal as a whole, and its labels and annotations are present.
    /// </summary>
    public static bool IsUpToDate<TChild>(TChild current, TChild desired)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        var have = ToJson(current);
        foreach (var (name, value) in ToJson(desired))
        {
            if (value is not null && !IsMetadataField(name) && !JsonNode.DeepEquals(value, have[name]))
            {
                return false;
            }
        }

        return Contains(current.Metadata?.Labels, desired.Metadata?.Labels)
            && Contains(current.Metadata?.Annotations, desired.Metadata?.Annotations);
    }

    /// <summary>
    /// The body of an update: <paramref name="current"/> (with its resourceVersion, finalizers and fields the desired object
    /// does not set) with every top-level field of <paramref name="desired"/>, its labels and annotations added, and the
    /// owner as controller.
    /// </summary>
    public static TChild MergeForUpdate<TChild>(TChild current, TChild desired)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        var body = ToJson(current);
        foreach (var (name, value) in ToJson(desired))
        {
            if (value is not null && !IsMetadataField(name))
            {
                body[name] = value.DeepClone();
            }
        }

        var merged = KubernetesJson.Deserialize<TChild>(body.ToJsonString());
        var metadata = merged.Metadata;
        var owners = desired.Metadata.OwnerReferences ?? [];
        metadata.Labels = Union(metadata.Labels, desired.Metadata.Labels);
        metadata.Annotations = Union(metadata.Annotations, desired.Metadata.Annotations);
        metadata.OwnerReferences =
        [
            .. owners,
            .. (metadata.OwnerReferences ?? []).Where(o => o.Controller != true && !owners.Any(d => d.Uid == o.Uid)),
        ];
        metadata.ManagedFields = null;
        return merged;
    }

    /// <summary>The failure reported on the owner when the child exists and the owner does not control it.</summary>
    public static ValidationFailure Conflict(V1ObjectMeta current, string childKind, V1OwnerReference owner)
    {
        var child = $"{childKind} {current.NamespaceProperty}/{current.Name}";
        var controller = ControllerOf(current) is { } other
            ? $"is controlled by {other.Kind} {other.Name} (uid {other.Uid})"
            : "is controlled by no owner";
        return new ValidationFailure(
            "metadata.name",
            childKind + ConflictReasonSuffix,
            $"{child} already exists and {controller}, not by {owner.Kind} {current.NamespaceProperty}/{owner.Name}: it is left unchanged. Remove that {childKind} to let this {owner.Kind} create its own.");
    }

    /// <summary>Whether an API answer refuses a write for a reason no retry fixes: 400 BadRequest, 403 Forbidden, 422 Invalid.</summary>
    public static bool IsRefusal(int statusCode) => statusCode is 400 or 403 or 422;

    /// <summary>
    /// The failure reported on the owner when the API server refused to write its child for a reason no retry fixes:
    /// reason <c>{Kind}{StatusReason}</c> (for example <c>SecretInvalid</c>, <c>SecretForbidden</c>), the field the server
    /// named (the child's; empty when it named none), and a message naming the child, the attempt, the field and the
    /// server's own message.
    /// </summary>
    /// <param name="childKind">The child's kind.</param>
    /// <param name="ns">The child's namespace, or <see langword="null"/>.</param>
    /// <param name="name">The child's name.</param>
    /// <param name="attempt">What was refused, as a verb phrase: <c>create</c>, <c>update</c>, <c>delete (to replace it)</c>, ...</param>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="body">The answer's body (a <c>Status</c>), if any.</param>
    public static ValidationFailure Refusal(string childKind, string? ns, string name, string attempt, int statusCode, string? body)
    {
        string? reason = null;
        string? message = null;
        string? field = null;
        try
        {
            if (!string.IsNullOrEmpty(body) && JsonNode.Parse(body) is JsonObject status)
            {
                reason = status["reason"] is JsonValue r && r.TryGetValue<string>(out var statusReason) ? statusReason : null;
                message = status["message"] is JsonValue m && m.TryGetValue<string>(out var statusMessage) ? statusMessage : null;
                field = status["details"]?["causes"] is JsonArray causes
                    ? causes.OfType<JsonObject>().Select(c => c["field"] is JsonValue f && f.TryGetValue<string>(out var path) ? path : null).FirstOrDefault(p => !string.IsNullOrEmpty(p))
                    : null;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status (a proxy's page, for example): the code alone says what happened.
        }

        if (!KubernetesNames.IsValidReason(reason))
        {
            reason = statusCode switch { 400 => "BadRequest", 403 => "Forbidden", 422 => "Invalid", _ => "Refused" };
        }

        var child = $"{childKind} {(string.IsNullOrEmpty(ns) ? string.Empty : ns + "/")}{name}";
        var where = field is null ? string.Empty : $", field {field}";
        var said = string.IsNullOrEmpty(message) ? string.Empty : ": " + message;
        return new ValidationFailure(field ?? string.Empty, childKind + reason, $"The API server refused to {attempt} {child} ({statusCode} {reason}{where}){said}");
    }

    private static bool IsMetadataField(string name) => name is "metadata" or "apiVersion" or "kind" or "status";

    private static JsonObject ToJson(object value) => JsonNode.Parse(KubernetesJson.Serialize(value)) as JsonObject ?? [];

    private static bool Contains(IDictionary<string, string>? have, IDictionary<string, string>? want) =>
        want is null || want.All(kv => have is not null && have.TryGetValue(kv.Key, out var value) && value == kv.Value);

    private static Dictionary<string, string>? Union(IDictionary<string, string>? first, IDictionary<string, string>? second)
    {
        if (first is null && second is null)
        {
            return null;
        }

        var union = new Dictionary<string, string>(first ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in second ?? new Dictionary<string, string>())
        {
            union[key] = value;
        }

        return union;
    }
}
