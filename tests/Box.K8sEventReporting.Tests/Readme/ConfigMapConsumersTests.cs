using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Validation;
using Box.K8sEventReporting.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace SettingsOperator.Tests;

/// <summary>An application's settings, which the operator turns into a ConfigMap of the same name.</summary>
[KubernetesEntity(Group = "example.com", ApiVersion = "v1", Kind = "AppSettings", PluralName = "appsettings")]
public sealed class AppSettings : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "example.com/v1";

    public string Kind { get; set; } = "AppSettings";

    public V1ObjectMeta Metadata { get; set; } = new();

    public AppSettingsSpec? Spec { get; set; }
}

public sealed class AppSettingsSpec
{
    public string? LogLevel { get; set; }
}

public sealed class LogLevelValidator : IValidator<AppSettings>
{
    public ValueTask<ValidationResult> ValidateAsync(AppSettings settings, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(settings.Spec?.LogLevel is "debug" or "info" or "warn" or "error"
            ? ValidationResult.Success
            : ValidationResult.Fail(new ValidationFailure("spec.logLevel", "InvalidLogLevel", $"logLevel '{settings.Spec?.LogLevel}' is not debug, info, warn or error")));
}

#region readme
/// <summary>The pods an invalid AppSettings breaks: those that read its ConfigMap through envFrom or a volume.</summary>
public sealed class ConfigMapConsumers(ICustomResourceWatcher<V1Pod> pods) : IAffectedPodSelector<AppSettings>
{
    public ValueTask<IReadOnlyList<V1Pod>> SelectPodsAsync(AppSettings settings, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<V1Pod>>(
            [.. pods.Cache.List(settings.Metadata.NamespaceProperty).Where(pod => ConfigMapsOf(pod).Contains(settings.Metadata.Name))]);

    public static IEnumerable<string> ConfigMapsOf(V1Pod pod) =>
        (pod.Spec?.Containers ?? []).SelectMany(c => c.EnvFrom ?? []).Select(e => e.ConfigMapRef?.Name)
            .Concat((pod.Spec?.Volumes ?? []).Select(v => v.ConfigMap?.Name))
            .OfType<string>();
}

public static class SettingsOperator
{
    public static void AddSettingsOperator(this IServiceCollection services) => services
        .AddK8sEventReporting()
        .AddController<AppSettings>(settings => settings
            .AddValidator<LogLevelValidator>()
            .ReportOnPods<ConfigMapConsumers>()                      // Warnings on the pods it finds
            .Watches<V1Pod>(pod => ConfigMapConsumers.ConfigMapsOf(pod)   // a new consumer gets its Warning at once
                .Select(name => new ResourceKey(pod.Metadata.NamespaceProperty, name))));
}
#endregion

public class ConfigMapConsumersTests
{
    [Fact]
    public async Task InvalidSettings_WarnTheirConsumersPods()
    {
        await using var host = await ControllerTestHost.StartAsync(services => services.AddSettingsOperator());

        host.Watcher<AppSettings>().Apply(new AppSettings { Metadata = new() { Name = "web", NamespaceProperty = "shop", Uid = "s-1" }, Spec = new() { LogLevel = "verbose" } });
        host.Watcher<V1Pod>().Apply(new V1Pod
        {
            Metadata = new() { Name = "web-5d9c6", NamespaceProperty = "shop", Uid = "pod-1" },
            Spec = new() { Containers = [new() { Name = "web", EnvFrom = [new() { ConfigMapRef = new() { Name = "web" } }] }] },
        });

        var warning = await host.WaitForEventAsync("shop", "web-5d9c6", "InvalidLogLevel", TimeSpan.FromSeconds(10));
        Assert.Equal("logLevel 'verbose' is not debug, info, warn or error", warning.Report.Message);
        await host.WaitForConditionAsync("shop", "web", ConditionStatus.False, TimeSpan.FromSeconds(10));
    }
}
