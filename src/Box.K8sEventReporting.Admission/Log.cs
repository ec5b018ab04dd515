using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Admission;

/// <summary>The admission webhook's log messages; event ids 7000–7099, stable.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 7000, EventName = "AdmissionListening", Level = LogLevel.Information,
        Message = "The admission webhook listens on {Endpoint} ({Paths}) as {Service}.")]
    public static partial void Listening(ILogger logger, string endpoint, string paths, string service);

    [LoggerMessage(EventId = 7001, EventName = "AdmissionStartFailed", Level = LogLevel.Debug,
        Message = "The admission webhook could not listen.")]
    public static partial void StartFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7002, EventName = "AdmissionCertificateIssued", Level = LogLevel.Information,
        Message = "The admission webhook serves the certificate {Certificate}.")]
    public static partial void CertificateIssued(ILogger logger, string certificate);

    [LoggerMessage(EventId = 7003, EventName = "AdmissionCertificateFailed", Level = LogLevel.Warning,
        Message = "The admission webhook could not get a serving certificate from the CA ({Reason}); it retries in {Delay}.")]
    public static partial void CertificateFailed(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 7004, EventName = "AdmissionCaBundlePatched", Level = LogLevel.Information,
        Message = "Wrote the CA bundle into {Count} webhook(s) of ValidatingWebhookConfiguration {Name}.")]
    public static partial void CaBundlePatched(ILogger logger, int count, string name);

    [LoggerMessage(EventId = 7005, EventName = "AdmissionCaBundleUnchanged", Level = LogLevel.Debug,
        Message = "ValidatingWebhookConfiguration {Name} already holds the CA bundle.")]
    public static partial void CaBundleUnchanged(ILogger logger, string name);

    [LoggerMessage(EventId = 7006, EventName = "AdmissionCaBundleFailed", Level = LogLevel.Warning,
        Message = "Cannot write the CA bundle into ValidatingWebhookConfiguration {Name}: {Reason}; the API server cannot trust the webhook until it is written; retrying in {Delay}.")]
    public static partial void CaBundleFailed(ILogger logger, string name, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 7007, EventName = "AdmissionNoMatchingWebhook", Level = LogLevel.Warning,
        Message = "ValidatingWebhookConfiguration {Name} has no webhook whose clientConfig.service is {Service}: nothing written; check K8sEventReporting:Admission:ServiceName and ServiceNamespace.")]
    public static partial void NoMatchingWebhook(ILogger logger, string name, string service);

    [LoggerMessage(EventId = 7008, EventName = "AdmissionBadRequest", Level = LogLevel.Warning,
        Message = "Admission request to {Path} refused (400): {Reason}.")]
    public static partial void BadRequest(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 7009, EventName = "AdmissionValidatorTimedOut", Level = LogLevel.Warning,
        Message = "{Validator} gave no answer within {Timeout} for {Kind} {Namespace}/{Name} at admission: allowed, with a warning that the check was skipped.")]
    public static partial void ValidatorTimedOut(ILogger logger, string validator, string kind, string? @namespace, string? name, TimeSpan timeout);

    [LoggerMessage(EventId = 7010, EventName = "AdmissionValidatorFailed", Level = LogLevel.Warning,
        Message = "{Validator} threw for {Kind} {Namespace}/{Name} at admission: allowed, with a warning that the check was skipped.")]
    public static partial void ValidatorFailed(ILogger logger, Exception exception, string validator, string kind, string? @namespace, string? name);

    [LoggerMessage(EventId = 7011, EventName = "AdmissionObjectUndecodable", Level = LogLevel.Warning,
        Message = "The {Type} {Namespace}/{Name} under admission does not decode ({Reason}): allowed, with a warning that it was not checked.")]
    public static partial void ObjectUndecodable(ILogger logger, string type, string @namespace, string name, string reason);

    [LoggerMessage(EventId = 7012, EventName = "AdmissionDenied", Level = LogLevel.Information,
        Message = "Denied {Kind} {Namespace}/{Name} at admission: {FailureCount} validation failure(s).")]
    public static partial void Denied(ILogger logger, string kind, string @namespace, string name, int failureCount);

    [LoggerMessage(EventId = 7013, EventName = "AdmissionStopped", Level = LogLevel.Information,
        Message = "The admission webhook on {Endpoint} stopped.")]
    public static partial void Stopped(ILogger logger, Uri endpoint);

    [LoggerMessage(EventId = 7014, EventName = "AdmissionNoMatchingUrlWebhook", Level = LogLevel.Warning,
        Message = "ValidatingWebhookConfiguration {Name} has no webhook whose clientConfig.url is {Url}: nothing written; check K8sEventReporting:Admission:Url.")]
    public static partial void NoMatchingUrlWebhook(ILogger logger, string name, string url);
}
