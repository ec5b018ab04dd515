using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Certificates;

/// <summary>
/// Reads the CA from its Secret, or creates the CA and its Secret when there is none. Replicas racing to create it are
/// safe: the create of all but one is answered 409, and those read and use the winner's. An existing Secret is never
/// modified, whoever created it: one that holds no usable CA is an error that names it.
/// </summary>
internal static class CertificateAuthoritySecret
{
    public static async Task<CertificateAuthority> LoadOrCreateAsync(
        IKubernetes client, CertificateOptions options, string ns, DateTimeOffset now, ILogger logger, CancellationToken cancellationToken)
    {
        var existing = await TryReadAsync(client, ns, options.SecretName, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return Load(existing, ns, options, now, logger);
        }

        var created = CertificateAuthority.Create(options.CommonName, options.KeyAlgorithm, now, options.CaValidity);
        try
        {
            await client.CoreV1.CreateNamespacedSecretAsync(SecretOf(created, options, ns), ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.CaCreated(logger, created.Subject, ns, options.SecretName, created.NotAfter);
            return created;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            // Another replica created it first: use that one, so all replicas sign with the same CA.
            created.Dispose();
            Log.CaCreatedByAnother(logger, ns, options.SecretName);
            var winner = await TryReadAsync(client, ns, options.SecretName, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The CA Secret {ns}/{options.SecretName} was created by another replica and deleted again before it could be read; retrying.");
            return Load(winner, ns, options, now, logger);
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }

    private static CertificateAuthority Load(V1Secret secret, string ns, CertificateOptions options, DateTimeOffset now, ILogger logger)
    {
        try
        {
            var data = secret.Data ?? new Dictionary<string, byte[]>();
            if (!data.TryGetValue(IssuedCertificate.CertificateKey, out var certificate) || !data.TryGetValue(IssuedCertificate.PrivateKeyKey, out var key))
            {
                throw new InvalidDataException($"it has no {IssuedCertificate.CertificateKey} and {IssuedCertificate.PrivateKeyKey}");
            }

            var authority = CertificateAuthority.Load(Encoding.UTF8.GetString(certificate), Encoding.UTF8.GetString(key), now);
            Log.CaLoaded(logger, authority.Subject, ns, options.SecretName, authority.NotAfter);
            if (authority.NotAfter - now < options.CertificateValidity)
            {
                Log.CaExpiresSoon(logger, authority.Subject, ns, options.SecretName, authority.NotAfter);
            }

            return authority;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidOperationException(
                $"The CA Secret {ns}/{options.SecretName} holds no usable CA: {e.Message}. It is never overwritten: delete it to have a new CA " +
                $"created, or set K8sEventReporting:{CertificateOptions.SectionName}:{nameof(CertificateOptions.SecretName)}.",
                e);
        }
    }

    private static async Task<V1Secret?> TryReadAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static V1Secret SecretOf(CertificateAuthority authority, CertificateOptions options, string ns) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = options.SecretName,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>
            {
                ["app.kubernetes.io/managed-by"] = "box-k8s-event-reporting",
                ["app.kubernetes.io/component"] = "certificate-authority",
            },
        },
        Type = IssuedCertificate.SecretType,
        Data = new Dictionary<string, byte[]>
        {
            [IssuedCertificate.CertificateKey] = Encoding.UTF8.GetBytes(authority.CertificatePem),
            [IssuedCertificate.PrivateKeyKey] = Encoding.UTF8.GetBytes(authority.CreatedPrivateKeyPem!),
        },
    };
}
