using System.Security.Cryptography.X509Certificates;
using System.Text;
using Box.K8sEventReporting.Admission;
using Box.K8sEventReporting.Certificates;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ControlPlane;

/// <summary>
/// <c>--embedded</c>: an in-process Kubernetes API server, the CRD and both apps applied to it, the control plane running
/// on it, and then what <c>kubectl describe pod</c> and <c>kubectl get secrets</c> would show.
/// </summary>
internal static class EmbeddedDemo
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(HostApplicationBuilder builder, bool verbose)
    {
        // The story (what kubectl would show) goes to stdout; log lines go to stderr, and only warnings unless --verbose.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (!verbose)
        {
            builder.Logging.AddFilter(level => level >= LogLevel.Warning);
        }

        await using var server = await InProcessApiServer.StartAsync();
        using var warnings = new KubectlWarnings();
        using var client = new Kubernetes(server.CreateClientConfiguration(), warnings);   // reads warnings as kubectl does
        await ApplyAsync(client, warnings, "ControlPlane", runWorkloads: false, "crds/pkis.box.com.yaml");

        builder.Services.Replace(ServiceDescriptor.Singleton<IKubernetes>(server.CreateClient()));
        builder.Configuration["K8sEventReporting:Health:Enabled"] = "false";   // probes are for the kubelet, not a demo
        builder.Configuration["K8sEventReporting:Certificates:SecretNamespace"] = "controlplane";   // in a pod: its own namespace
        builder.Configuration["K8sEventReporting:Admission:ServiceNamespace"] = "controlplane";
        builder.Configuration["K8sEventReporting:Admission:Address"] = "127.0.0.1";
        builder.Configuration["K8sEventReporting:Admission:Port"] = "0";
        using var host = builder.Build();
        await host.StartAsync();
        if (host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested)
        {
            return 1;   // bad configuration: the library logged one line and stopped the host
        }

        // No service network in-process: the webhook's Service is this process's listener (TLS still verifies
        // controlplane-webhook.controlplane.svc against the CA bundle the control plane writes into the configuration).
        using (var serving = new CancellationTokenSource(Patience))
        {
            var endpoint = await host.Services.GetRequiredService<IAdmissionWebhookListener>().WaitUntilServingAsync(serving.Token);
            server.MapService("controlplane", "controlplane-webhook", 443, endpoint);
        }

        var webhookReady = await WaitUntilAsync(client, async () =>
            (await client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("box-controlplane")).Webhooks.All(w => w.ClientConfig.CaBundle is { Length: > 0 }));
        await ApplyAsync(client, warnings, "App1", runWorkloads: true);
        await ApplyAsync(client, warnings, "App2", runWorkloads: true);

        // App1's pod is warned and App2 gets its Secret; then the typo is fixed and App1 gets its Secret too.
        var settled = await WaitUntilAsync(client, async () =>
            (await client.CoreV1.ListNamespacedEventAsync("app1")).Items.Any(e => e.InvolvedObject.Kind == "Pod" && e.Type == "Warning")
            && await HasCertificateAsync(client, "app2", "app2-pki"));
        await PrintAsync(client);

        Console.WriteLine();
        Console.WriteLine("$ kubectl patch pki app1-pki -n app1 --type merge -p '{\"spec\":{\"serviceName\":\"app1\"}}'");
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"spec\":{\"serviceName\":\"app1\"}}", V1Patch.PatchType.MergePatch), "box.com", "v1", "app1", "pkis", "app1-pki");
        var fixedUp = settled && await WaitUntilAsync(client, () => HasCertificateAsync(client, "app1", "app1-pki"));
        await host.StopAsync();
        await PrintPkisAndSecretsAsync(client);
        return webhookReady && settled && fixedUp ? 0 : 1;
    }

    /// <summary>
    /// <c>kubectl apply -f samples/&lt;app&gt;/config.yml</c> (after the app's CRDs, when it has some): each object created
    /// in turn, and the API server's warnings (the admission webhook's) printed as kubectl prints them, before the line of
    /// the object they are about.
    /// </summary>
    private static async Task ApplyAsync(Kubernetes client, KubectlWarnings warnings, string app, bool runWorkloads, string? crd = null)
    {
        Console.WriteLine();
        var manifests = Path.Combine(AppContext.BaseDirectory, "manifests");
        Console.WriteLine(crd is null
            ? $"$ kubectl apply -f samples/{app}/config.yml"
            : $"$ kubectl apply -f samples/{app}/{Path.GetDirectoryName(crd)} -f samples/{app}/config.yml");
        var yaml = (crd is null ? string.Empty : await File.ReadAllTextAsync(Path.Combine(manifests, crd)) + "\n---\n")
            + await File.ReadAllTextAsync(Path.Combine(manifests, app + "-config.yml"));
        foreach (var document in yaml.ReplaceLineEndings("\n").Split("\n---\n"))
        {
            var lines = await KubernetesManifests.ApplyAsync(client, document, [typeof(Pki)], runWorkloads);
            foreach (var warning in warnings.Take())
            {
                Console.WriteLine("Warning: " + warning);
            }

            foreach (var line in lines)
            {
                Console.WriteLine(line);
            }
        }
    }

    /// <summary>The Pki's Secret exists and its expiry is in the Pki's status.</summary>
    private static async Task<bool> HasCertificateAsync(Kubernetes client, string ns, string name) =>
        (await client.CoreV1.ListNamespacedSecretAsync(ns)).Items.Any(s => s.Metadata.Name == name)
        && (await client.CustomObjects.GetNamespacedCustomObjectAsync<Pki>("box.com", "v1", ns, "pkis", name)).Status?.NotAfter is not null;

    private static async Task<bool> WaitUntilAsync(Kubernetes client, Func<Task<bool>> condition)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(deadline) < Patience)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        await Console.Error.WriteLineAsync($"controlplane: the scenario did not settle within {Patience}");
        return false;
    }

    private static async Task PrintAsync(Kubernetes client)
    {
        var now = TimeProvider.System.GetUtcNow();
        foreach (var ns in new[] { "app1", "app2" })
        {
            foreach (var pod in (await client.CoreV1.ListNamespacedPodAsync(ns)).Items)
            {
                var events = await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.kind=Pod,involvedObject.name={pod.Metadata.Name}");
                Console.WriteLine();
                Console.WriteLine($"$ kubectl describe pod -n {ns} {pod.Metadata.Name}   (events)");
                Console.WriteLine(KubectlDescribe.FormatEvents(events.Items, now));
            }
        }

        var pkiEvents = await client.CoreV1.ListNamespacedEventAsync("app1", fieldSelector: "involvedObject.kind=Pki,involvedObject.name=app1-pki");
        Console.WriteLine();
        Console.WriteLine("$ kubectl describe pki -n app1 app1-pki   (events)");
        Console.WriteLine(KubectlDescribe.FormatEvents(pkiEvents.Items, now));
        await PrintPkisAndSecretsAsync(client);
    }

    private static async Task PrintPkisAndSecretsAsync(Kubernetes client)
    {
        Console.WriteLine();
        Console.WriteLine("$ kubectl get pkis,secrets -A");
        foreach (var ns in new[] { "app1", "app2" })
        {
            var pkis = await client.CustomObjects.ListNamespacedCustomObjectAsync<PkiList>("box.com", "v1", ns, "pkis");
            foreach (var pki in pkis.Items)
            {
                var ready = pki.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
                Console.WriteLine($"{ns,-6} pki/{pki.Metadata.Name,-10} serviceName={pki.Spec?.ServiceName,-6} Ready={ready?.Status ?? "Unknown"} {ready?.Reason} notAfter={pki.Status?.NotAfter:u}");
            }

            foreach (var secret in (await client.CoreV1.ListNamespacedSecretAsync(ns)).Items)
            {
                Console.WriteLine($"{ns,-6} secret/{secret.Metadata.Name,-10} {secret.Type} [{string.Join(", ", (secret.Data?.Keys ?? []).Order(StringComparer.Ordinal))}] {DescribeCertificate(secret)}");
            }
        }
    }

    /// <summary>The subject and expiry of a TLS Secret's certificate (never its key).</summary>
    private static string DescribeCertificate(V1Secret secret)
    {
        if (secret.Data is null || !secret.Data.TryGetValue(IssuedCertificate.CertificateKey, out var pem))
        {
            return string.Empty;
        }

        using var certificate = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(pem));
        return $"{certificate.Subject} notAfter={certificate.NotAfter.ToUniversalTime():u}";
    }
}
