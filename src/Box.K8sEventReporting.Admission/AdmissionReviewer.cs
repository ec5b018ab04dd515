using System.Globalization;
using Box.K8sEventReporting.Primitives;
using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Admission;

/// <summary>
/// Decides the answer to an admission request for <typeparamref name="T"/> with the controller's own validators, without
/// I/O: the same failures that become Events and the Ready condition become warnings (<see cref="AdmissionMode.Warn"/>) or
/// a denial (<see cref="AdmissionMode.Deny"/>). A validator that throws or runs past the timeout never blocks: it is
/// skipped, with a warning saying so.
/// </summary>
internal sealed class AdmissionReviewer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The most characters of one admission warning (the API server's recommendation, kept by kubectl on one line).</summary>
    public const int MaxWarningLength = 120;

    private readonly IValidator<T>[] _validators;
    private readonly AdmissionMode _mode;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly KubernetesEntityMetadata _entity;
    private readonly AdmissionMetrics? _metrics;

    public AdmissionReviewer(IEnumerable<IValidator<T>> validators, AdmissionWebhookOptions options, TimeProvider timeProvider, ILogger logger, AdmissionMetrics? metrics = null)
    {
        _metrics = metrics;
        _validators = [.. validators];
        _mode = options.Mode;
        _timeout = options.ValidationTimeout;
        _timeProvider = timeProvider;
        _logger = logger;
        _entity = KubernetesEntityMetadata.Of<T>();
    }

    /// <summary>Gets the path this type is served on, as kubebuilder names it: <c>/validate-&lt;group with - for .&gt;-&lt;version&gt;-&lt;kind&gt;</c>.</summary>
    public string Path => AdmissionPaths.For(_entity);

    public async Task<AdmissionAnswer> ReviewAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Object is null || request.Operation is not ("CREATE" or "UPDATE"))
        {
            return Allowed(request, "not_validated", []);
        }

        T? resource;
        try
        {
            resource = KubernetesJson.Deserialize<T>(request.Object);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            Log.ObjectUndecodable(_logger, typeof(T).Name, request.Namespace, request.Name, ex.Message);
            return Allowed(request, "skipped", [Warning($"{_entity.Kind} {request.Name} not checked at admission: it does not decode ({ex.GetType().Name})")]);
        }

        if (resource?.Metadata is null)
        {
            return Allowed(request, "skipped", [Warning($"{_entity.Kind} {request.Name} not checked at admission: it has no metadata")]);
        }

        var outcomes = await Task.WhenAll(_validators.Select(v => RunAsync(v, resource, cancellationToken))).ConfigureAwait(false);
        var failures = outcomes.SelectMany(static o => o.Failures).ToArray();
        var skipped = outcomes.Select(static o => o.Skipped).OfType<string>().Select(Warning).ToArray();
        if (failures.Length == 0)
        {
            return Allowed(request, skipped.Length > 0 ? "skipped" : "allowed", skipped);
        }

        if (_mode == AdmissionMode.Warn)
        {
            return Allowed(request, "warned", [.. failures.Select(static f => Warning(f.Message)), .. skipped]);
        }

        _metrics?.Reviewed("denied");
        var name = NameOf(request, resource);
        Log.Denied(_logger, _entity.Kind, request.Namespace, name, failures.Length);
        return new AdmissionAnswer(request.Uid, Allowed: false, skipped, Denial(request, resource, failures));
    }

    /// <summary>A warning as the API server takes it: escaped, at most <see cref="MaxWarningLength"/> characters.</summary>
    internal static string Warning(string text) => EventMessage.Sanitize(text, MaxWarningLength);

    private static string NameOf(AdmissionRequest request, T resource) =>
        request.Name.Length > 0 ? request.Name : resource.Metadata.Name ?? resource.Metadata.GenerateName ?? string.Empty;

    private AdmissionAnswer Allowed(AdmissionRequest request, string result, IReadOnlyList<string> warnings)
    {
        _metrics?.Reviewed(result);
        return new AdmissionAnswer(request.Uid, Allowed: true, warnings, Status: null);
    }

    /// <summary>The Status of a denial: 422 Invalid, as the API server's own validation answers, one cause per failure.</summary>
    private V1Status Denial(AdmissionRequest request, T resource, ValidationFailure[] failures)
    {
        var name = NameOf(request, resource);
        var message = EventMessage.Sanitize(
            $"{_entity.Kind}{(_entity.Group.Length == 0 ? string.Empty : "." + _entity.Group)} \"{name}\" is invalid: " + string.Join("; ", failures.Select(static f => $"{f.FieldPath}: {f.Message}")),
            EventMessage.MaxEventMessageBytes);
        return new V1Status
        {
            ApiVersion = "v1",
            Kind = "Status",
            Status = "Failure",
            Code = 422,
            Reason = "Invalid",
            Message = message,
            Details = new V1StatusDetails
            {
                Name = name,
                Group = _entity.Group,
                Kind = _entity.Kind,
                Causes = [.. failures.Select(static f => new V1StatusCause { Field = f.FieldPath, Message = EventMessage.Sanitize(f.Message), Reason = f.Reason })],
            },
        };
    }

    private async Task<Outcome> RunAsync(IValidator<T> validator, T resource, CancellationToken cancellationToken)
    {
        var name = validator.GetType().Name;
        using var timeout = new CancellationTokenSource(_timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            // WaitAsync: a validator that ignores its token is abandoned at the deadline, never waited for.
            var result = await validator.ValidateAsync(resource, linked.Token).AsTask().WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            return new Outcome(result.Failures, null);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            Log.ValidatorTimedOut(_logger, name, _entity.Kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name, _timeout);
            return new Outcome([], string.Create(CultureInfo.InvariantCulture, $"{name} skipped at admission: no answer within {_timeout.TotalSeconds:0.###}s; the control plane still checks it"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ValidatorFailed(_logger, ex, name, _entity.Kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name);
            return new Outcome([], $"{name} skipped at admission: it failed ({ex.GetType().Name}); the control plane still checks it");
        }
    }

    private sealed record Outcome(IReadOnlyList<ValidationFailure> Failures, string? Skipped);
}

/// <summary>Where each resource type is served.</summary>
internal static class AdmissionPaths
{
    public static string For(KubernetesEntityMetadata entity) =>
        "/validate-" + (entity.Group.Length == 0 ? "core" : entity.Group.Replace('.', '-')) + "-" + entity.Version + "-" + entity.Kind.ToLowerInvariant();
}
