using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Validation;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Box.K8sEventReporting.Tests.Reporting;

public class PodReportingTests
{
    [Fact]
    public async Task ReportAsync_PodListItemWithoutKind_IsToldThroughTheRecorderWithUidAndResourceVersion()
    {
        var recorder = Substitute.For<IEventRecorder>();
        var reporter = new ValidationProblemReporter<Pki>(
            recorder,
            new NamespacePodSelector<Pki>(new InMemoryCache<V1Pod>([Pods.Bare("app1")])),
            Substitute.For<IResourceConditionWriter>(),
            Options.Create(new EventReporterOptions()));
        var pki = new Pki { Metadata = new V1ObjectMeta { Name = "app1-pki", NamespaceProperty = "team-a", Uid = "pki-uid", Generation = 1 } };

        await reporter.ReportAsync(pki, ValidationResult.Fail(new ValidationFailure("spec.serviceName", "InvalidServiceName", "m")));

        recorder.Received(1).Record(
            Arg.Is<V1ObjectReference>(r => r.Kind == "Pod" && r.ApiVersion == "v1" && r.Name == "app1" && r.NamespaceProperty == "team-a" && r.Uid == "uid-team-a-app1" && r.ResourceVersion == "1"),
            Arg.Any<EventReport>());
    }

    [Fact]
    public void AddEventReporting_RegistersRecorderOnceAsEverySeam()
    {
        var services = new ServiceCollection()
            .AddSingleton(Substitute.For<IKubernetes>())
            .AddSingleton<IAffectedPodSelector<Pki>>(new NamespacePodSelector<Pki>(new InMemoryCache<V1Pod>([])));

        services.AddEventReporting(o => o.ReportingInstance = "cp-0").AddEventReporting();
        using var provider = services.BuildServiceProvider();

        var recorder = provider.GetRequiredService<KubernetesEventRecorder>();
        Assert.Same(recorder, provider.GetRequiredService<IEventRecorder>());
        Assert.Null(provider.GetService<IPodEventReporter>());   // pods are told through the recorder unless one is registered
        Assert.IsType<ResourceConditionWriter>(provider.GetRequiredService<IResourceConditionWriter>());
        Assert.NotNull(provider.GetRequiredService<ValidationProblemReporter<Pki>>());
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<EventReporterOptions>));
    }

    [Fact]
    public void AddEventReporting_InvalidOptions_FailWithClearMessage()
    {
        var services = new ServiceCollection().AddSingleton(Substitute.For<IKubernetes>());
        services.AddEventReporting(o => o.SpamFilterBurst = -1);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EventReporterOptions>>().Value);

        Assert.Contains("EventReporterOptions.SpamFilterBurst must be 1-10000 (was -1)", ex.Message, StringComparison.Ordinal);
    }
}
