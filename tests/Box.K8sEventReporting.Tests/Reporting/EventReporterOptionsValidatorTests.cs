using Box.K8sEventReporting.Reporting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Tests.Reporting;

public class EventReporterOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreTheDocumentedValues()
    {
        var options = new EventReporterOptions();

        Assert.Equal(KubernetesNames.ToComponentName(System.Reflection.Assembly.GetEntryAssembly()!.GetName().Name), options.ReportingComponent);
        Assert.Equal(EventApiVersion.Automatic, options.ApiVersion);
        Assert.Equal(TimeSpan.FromMinutes(10), options.AggregationWindow);
        Assert.Equal(10, options.AggregationThreshold);
        Assert.Equal(25, options.SpamFilterBurst);
        Assert.Equal(TimeSpan.FromMinutes(5), options.SpamFilterRefillInterval);
        Assert.Equal(32768, options.CacheSize);
        Assert.Equal(10_000, options.QueueCapacity);
        Assert.Equal(10_000, options.MaxDeferredEvents);
        Assert.Equal(12, options.MaxWriteAttempts);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RetryMaxDelay);
        Assert.Equal(10, options.MaxPodsPerOwner);
        Assert.Equal("Ready", options.ConditionType);
        Assert.Equal(LogLevel.Information, options.EventLogLevel);
        Assert.True(EventReporterOptionsValidator.Instance.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_SeveralBadValues_ReportsEachWithPropertyValueAndRange()
    {
        var options = new EventReporterOptions { SpamFilterBurst = 0, AggregationWindow = TimeSpan.Zero, ReportingComponent = "Bad Component", ReportingInstance = new string('i', 129) };

        var result = EventReporterOptionsValidator.Instance.Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, f => f.Contains("EventReporterOptions.SpamFilterBurst must be 1-10000 (was 0)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EventReporterOptions.AggregationWindow must be 00:00:00.0010000-1.00:00:00 (was 00:00:00)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EventReporterOptions.ReportingComponent must be a qualified name", StringComparison.Ordinal) && f.Contains("'Bad Component'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EventReporterOptions.ReportingInstance must be 1-128 characters", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RetryMaxDelayBelowBase_Fails()
    {
        var options = new EventReporterOptions { RetryBaseDelay = TimeSpan.FromSeconds(5), RetryMaxDelay = TimeSpan.FromSeconds(1) };

        var result = EventReporterOptionsValidator.Instance.Validate(null, options);

        Assert.Contains(result.Failures!, f => f.Contains("RetryMaxDelay must not be below RetryBaseDelay", StringComparison.Ordinal));
    }

    [Fact]
    public void RecorderConstructor_InvalidOptions_ThrowsAtConfigurationTime()
    {
        var options = new EventReporterOptions { QueueCapacity = 0 };

        var ex = Assert.Throws<OptionsValidationException>(() => new KubernetesEventRecorder(new FakeEventWriter(), options, null, null, null));

        Assert.Contains("QueueCapacity must be 1-1000000 (was 0)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000_001)]
    public void Validate_MaxDeferredEventsOutOfRange_NamesSettingValueAndRange(int value)
    {
        var result = EventReporterOptionsValidator.Instance.Validate(null, new EventReporterOptions { MaxDeferredEvents = value });

        Assert.Equal($"EventReporterOptions.MaxDeferredEvents must be 1-1000000 (was {value}); set K8sEventReporting:Events:MaxDeferredEvents.", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_UndefinedEnumSettings_NameTheKeyToo()
    {
        var result = EventReporterOptionsValidator.Instance.Validate(null, new EventReporterOptions { ApiVersion = (EventApiVersion)9, EventLogLevel = (LogLevel)42 });

        Assert.Equal(
            [
                "EventReporterOptions.ApiVersion must be Automatic, CoreV1 or EventsV1 (was 9); set K8sEventReporting:Events:ApiVersion.",
                "EventReporterOptions.EventLogLevel must be a LogLevel from Trace to None (was 42); set K8sEventReporting:Events:EventLogLevel.",
            ],
            result.Failures);
    }
}
