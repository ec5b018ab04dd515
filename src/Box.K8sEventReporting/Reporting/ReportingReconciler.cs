using System.Text.Json.Nodes;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Validation;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Reporting;

/// <summary>
/// The reconciler a controller runs: validates the resource, runs the application's reconciler only when it is valid,
/// and reports what it found with the <see cref="ValidationProblemReporter{T}"/> (pods, the resource, its condition and
/// status) and reconcile errors as Warning Events on the resource.
/// </summary>
/// <remarks>
/// An invalid resource (a validation failure, or <see cref="ReconcileResult.Invalid"/> from the reconciler) comes back to
/// the loop with its failures and a requeue after <see cref="ControllerOptions.RevalidationInterval"/>. A failure of a stage
/// is reported, then thrown to the loop as a <see cref="ReconcileStageException"/> naming the stage.
/// </remarks>
/// <typeparam name="T">The resource type.</typeparam>
internal sealed class ReportingReconciler<T> : IReconciler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The reason of a retried reconcile error.</summary>
    public const string ReconcileFailedReason = "ReconcileFailed";

    /// <summary>The reason of a terminal reconcile error.</summary>
    public const string ReconcileFailedTerminalReason = "ReconcileFailedTerminal";

    private static readonly IReadOnlyDictionary<string, JsonNode?> NoStatus = ReconcileResult.Done.Status;
    private readonly IValidator<T>[] validators;
    private readonly IReconciler<T>? inner;
    private readonly ValidationProblemReporter<T> reporter;
    private readonly IEventRecorder recorder;
    private readonly TimeSpan revalidationInterval;
    private readonly ILogger logger;
    private readonly string kind;

    public ReportingReconciler(
        IEnumerable<IValidator<T>> validators,
        IReconciler<T>? inner,
        ValidationProblemReporter<T> reporter,
        IEventRecorder recorder,
        TimeSpan revalidationInterval,
        string kind,
        ILogger logger)
    {
        this.validators = [.. validators];
        this.inner = inner;
        this.reporter = reporter;
        this.recorder = recorder;
        this.revalidationInterval = revalidationInterval;
        this.kind = kind;
        this.logger = logger;
    }

    public async ValueTask<ReconcileResult> ReconcileAsync(T resource, CancellationToken cancellationToken)
    {
        ValidationResult validation;
        try
        {
            validation = await ValidateAsync(resource, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsFailure(ex, cancellationToken))
        {
            throw Failed("validator", resource, ex);
        }

        if (!validation.IsValid)
        {
            return await ReportInvalidAsync(resource, validation, NoStatus, cancellationToken).ConfigureAwait(false);
        }

        ReconcileResult next;
        try
        {
            next = inner is null ? ReconcileResult.Done : await inner.ReconcileAsync(resource, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsFailure(ex, cancellationToken))
        {
            throw Failed("reconciler", resource, ex);
        }

        if (next.Failures.Count > 0)
        {
            // An error of the resource found while reconciling (a conflicting child object): the same path as a validation
            // failure, so it is reported on the same pods and revalidated until it is gone.
            return await ReportInvalidAsync(resource, ValidationResult.Fail(next.Failures), next.Status, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await reporter.ReportWithStatusAsync(resource, ValidationResult.Success, next.Status, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsFailure(ex, cancellationToken))
        {
            throw Failed("reporter", resource, ex);
        }

        return next;
    }

    private static bool IsFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested;

    private async ValueTask<ReconcileResult> ReportInvalidAsync(
        T resource, ValidationResult result, IReadOnlyDictionary<string, JsonNode?> status, CancellationToken cancellationToken)
    {
        bool toldResource;
        try
        {
            toldResource = await reporter.ReportWithStatusAsync(resource, result, status, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsFailure(ex, cancellationToken))
        {
            throw Failed("reporter", resource, ex);
        }

        // Once per report on the resource: a reconcile that only tells a new pod again is not news at Information.
        if (toldResource)
        {
            Log.ResourceInvalid(logger, kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name, result.Failures.Count, revalidationInterval);
        }
        else
        {
            Log.ResourceStillInvalid(logger, kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name, result.Failures.Count);
        }
        return ReconcileResult.Invalid([.. result.Failures]).RequeuedAfter(revalidationInterval);
    }

    private async ValueTask<ValidationResult> ValidateAsync(T resource, CancellationToken cancellationToken)
    {
        if (validators.Length == 1)
        {
            return await validators[0].ValidateAsync(resource, cancellationToken).ConfigureAwait(false);
        }

        var results = new List<ValidationResult>(validators.Length);
        foreach (var validator in validators)
        {
            results.Add(await validator.ValidateAsync(resource, cancellationToken).ConfigureAwait(false));
        }

        return ValidationResult.Combine(results);
    }

    /// <summary>Records the failure as a Warning Event on the resource, and returns what the loop gets.</summary>
    private ReconcileStageException Failed(string stage, T resource, Exception error)
    {
        try
        {
            var isTerminal = error is TerminalReconcileException;
            var self = ObjectReferences.Create(resource);
            var message = isTerminal
                ? $"{self.Kind} {self.NamespaceProperty}/{self.Name} could not be reconciled: {error.Message} It will not be retried until it changes."
                : $"{self.Kind} {self.NamespaceProperty}/{self.Name} could not be reconciled: {error.Message} Retrying with backoff.";
            recorder.Record(self, EventReport.Warning(isTerminal ? ReconcileFailedTerminalReason : ReconcileFailedReason, message));
        }
        catch (Exception ex)
        {
            Log.ReconcileErrorNotRecorded(logger, ex, kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name);
        }

        return new ReconcileStageException(stage, error);
    }
}
