using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Certificates;

/// <summary>The certificate log messages; event ids 6000–6999, stable. None of them carries key material.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 6000, EventName = "CaCreated", Level = LogLevel.Information,
        Message = "Created the CA '{Subject}' in Secret {Namespace}/{SecretName}; it expires at {NotAfter:u}.")]
    public static partial void CaCreated(ILogger logger, string subject, string @namespace, string secretName, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 6001, EventName = "CaLoaded", Level = LogLevel.Information,
        Message = "Using the CA '{Subject}' from Secret {Namespace}/{SecretName}; it expires at {NotAfter:u}.")]
    public static partial void CaLoaded(ILogger logger, string subject, string @namespace, string secretName, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 6002, EventName = "CaCreatedByAnother", Level = LogLevel.Information,
        Message = "The CA Secret {Namespace}/{SecretName} was created by another replica meanwhile; using that one.")]
    public static partial void CaCreatedByAnother(ILogger logger, string @namespace, string secretName);

    [LoggerMessage(EventId = 6003, EventName = "CaExpiresSoon", Level = LogLevel.Warning,
        Message = "The CA '{Subject}' in Secret {Namespace}/{SecretName} expires at {NotAfter:u}, sooner than a certificate's validity: certificates end with it. Replace the CA (delete the Secret and every issued Secret) before then.")]
    public static partial void CaExpiresSoon(ILogger logger, string subject, string @namespace, string secretName, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 6004, EventName = "CaUnusable", Level = LogLevel.Error,
        Message = "Cannot load or create the CA: {Problem}")]
    public static partial void CaUnusable(ILogger logger, string problem);

    [LoggerMessage(EventId = 6005, EventName = "CertificateIssued", Level = LogLevel.Debug,
        Message = "Issued {Certificate}.")]
    public static partial void CertificateIssued(ILogger logger, IssuedCertificate certificate);
}
