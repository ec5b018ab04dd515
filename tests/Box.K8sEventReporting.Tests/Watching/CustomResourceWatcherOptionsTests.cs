using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Watching;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Watching;

public class CustomResourceWatcherOptionsTests
{
    [Fact]
    public void Defaults_MatchTheDocumentedValues()
    {
        var options = new CustomResourceWatcherOptions();

        Assert.Empty(options.Namespaces);
        Assert.Null(options.LabelSelector);
        Assert.Null(options.FieldSelector);
        Assert.Equal(500, options.PageSize);
        Assert.Equal(TimeSpan.FromMilliseconds(800), options.InitialBackoff);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxBackoff);
        Assert.Equal(0.2, options.BackoffJitter);
        Assert.Equal(TimeSpan.FromMinutes(2), options.BackoffResetAfter);
        Assert.Equal(TimeSpan.FromMinutes(5), options.MinWatchTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.MaxWatchTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), options.InactivityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.RequestTimeout);
        Assert.Null(options.ResyncPeriod);
        Assert.Equal(1024, options.ConsumerBufferSize);
        Assert.True(options.StripManagedFields);
        Assert.Null(options.Transform);
        Assert.Empty(options.GetValidationErrors(typeof(TestPki)));
    }

    [Fact]
    public void GetValidationErrors_SeveralBadSettings_ReportsEachWithNameValueAndRange()
    {
        var options = new CustomResourceWatcherOptions
        {
            PageSize = 0,
            InitialBackoff = TimeSpan.FromMinutes(5),
            MinWatchTimeout = TimeSpan.FromMinutes(20),
            ConsumerBufferSize = 0,
            BackoffJitter = 2,
        };
        options.Namespaces.Add("a");
        options.Namespaces.Add("a");

        var errors = options.GetValidationErrors(typeof(TestPki));

        Assert.Contains(errors, e => e.Contains("PageSize must be 1–100000 (was 0)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("InitialBackoff", StringComparison.Ordinal) && e.Contains("00:05:00", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("MinWatchTimeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ConsumerBufferSize", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("BackoffJitter", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'a' twice", StringComparison.Ordinal));
    }

    [Fact]
    public void GetValidationErrors_IndexForAnotherType_Reported()
    {
        var options = new CustomResourceWatcherOptions().AddIndex<V1Pod>("byNode", p => [p.Spec.NodeName]);

        var errors = options.GetValidationErrors(typeof(TestPki));

        Assert.Contains(errors, e => e.Contains("'byNode'", StringComparison.Ordinal));
    }

    [Fact]
    public void AddIndex_SameNameTwice_Throws()
    {
        var options = new CustomResourceWatcherOptions().AddIndex<TestPki>("x", _ => []);

        Assert.Throws<ArgumentException>(() => options.AddIndex<TestPki>("x", _ => []));
    }
}
