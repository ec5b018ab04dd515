using Box.K8sEventReporting.Hosting;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Box.K8sEventReporting.IntegrationTests.Scenario;

/// <summary>The ControlPlane sample's exact composition (<c>Program.AddControlPlane</c>) over a given client, as its tests run it.</summary>
internal static class SampleControlPlane
{
    /// <summary>Builds the sample's host, watching only <paramref name="namespaces"/>.</summary>
    /// <param name="client">The cluster's client.</param>
    /// <param name="allowedNamesPath">The AllowedNames file.</param>
    /// <param name="extend">Adds to the sample's reporting composition; optional.</param>
    /// <param name="services">Registers services before the sample's (the library uses TryAdd, so these win); optional.</param>
    /// <param name="namespaces">The namespaces to watch.</param>
    public static IHost Build(IKubernetes client, string allowedNamesPath, Action<K8sEventReportingBuilder>? extend, Action<IServiceCollection>? services, params string[] namespaces)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        var settings = new Dictionary<string, string?>
        {
            ["ControlPlane:AllowedNamesPath"] = allowedNamesPath,
            ["K8sEventReporting:Events:ReportingInstance"] = "scenario-test",
        };
        foreach (var (key, value) in AdmissionSettings)
        {
            settings[key] = value;
        }
        for (var i = 0; i < namespaces.Length; i++)
        {
            settings[$"K8sEventReporting:Watcher:Namespaces:{i}"] = namespaces[i];
        }

        // The CA Secret lives in the control plane's own namespace; here the test's first namespace (each test its own CA).
        settings["K8sEventReporting:Certificates:SecretNamespace"] = namespaces.FirstOrDefault() ?? "default";

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(client);
        services?.Invoke(builder.Services);
        var reporting = Program.AddControlPlane(builder.Services, builder.Configuration);
        extend?.Invoke(reporting);
        return builder.Build();
    }

    /// <summary>
    /// The admission webhook of a test's control plane: a free port on loopback (tests run in parallel), and no
    /// ValidatingWebhookConfiguration written (a real cluster's own is never touched by a test).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> AdmissionSettings { get; } = new Dictionary<string, string?>
    {
        ["K8sEventReporting:Admission:Port"] = "0",
        ["K8sEventReporting:Admission:Address"] = "127.0.0.1",
    };

    public static async Task StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StopAsync(timeout.Token);
    }

    /// <summary>Writes an AllowedNames file to a fresh temporary path.</summary>
    public static string WriteAllowedNames(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"allowedNames-{Guid.NewGuid():N}");
        File.WriteAllText(path, content);
        return path;
    }
}
