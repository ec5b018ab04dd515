using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Box.K8sEventReporting.Admission;

/// <summary>Writes the CA bundle into the named <c>ValidatingWebhookConfiguration</c>: a GET, then a JSON patch only when needed.</summary>
/// <remarks>Needs <c>get</c> and <c>patch</c> on <c>validatingwebhookconfigurations</c> with <c>resourceNames</c> of exactly that object.</remarks>
internal sealed class CaBundleWriter(IKubernetes client, string configurationName, WebhookAddress address)
{
    private const int Attempts = 4;

    internal enum Result
    {
        Patched,
        Unchanged,
        NoMatchingWebhook,
    }

    /// <summary>Writes the bundle; on a concurrent change (409, or the patch's resourceVersion test failing: 422) reads again.</summary>
    /// <returns>What was done and how many webhooks of the configuration are this webhook.</returns>
    /// <exception cref="HttpOperationException">The API server refused the read or the patch (404: no such configuration).</exception>
    public async Task<(Result Result, int Webhooks)> WriteAsync(string caPem, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var configuration = await client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync(configurationName, cancellationToken: cancellationToken).ConfigureAwait(false);
            var decision = CaBundlePatch.Decide(configuration, caPem, address);
            if (decision.Matching == 0)
            {
                return (Result.NoMatchingWebhook, 0);
            }

            if (decision.Patch is null)
            {
                return (Result.Unchanged, decision.Matching);
            }

            try
            {
                await client.AdmissionregistrationV1.PatchValidatingWebhookConfigurationAsync(
                    new V1Patch(decision.Patch, V1Patch.PatchType.JsonPatch), configurationName, cancellationToken: cancellationToken).ConfigureAwait(false);
                return (Result.Patched, decision.Matching);
            }
            catch (HttpOperationException e) when (attempt < Attempts && e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity)
            {
                // Someone changed it between our read and our patch: read it again.
            }
        }
    }
}
