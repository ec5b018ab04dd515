using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Admission;

/// <summary>Checks <see cref="AdmissionWebhookOptions"/> at start: every problem, with the setting's name, value and what is allowed.</summary>
[OptionsValidator]
internal sealed partial class AdmissionWebhookOptionsValidator : IValidateOptions<AdmissionWebhookOptions>;
