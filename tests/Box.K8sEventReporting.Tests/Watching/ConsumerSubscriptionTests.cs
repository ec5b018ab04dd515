using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Tests.Watching;

public class ConsumerSubscriptionTests
{
    [Fact]
    public void Offer_PastCapacity_MarksOverflowedOnceAndStopsQueueing()
    {
        var consumer = new ConsumerSubscription<TestPki>(2);
        var change = new ConsumerSubscription<TestPki>.Delivery(new ResourceChange<TestPki>(ResourceChangeType.Added, TestPki.Create("a", "x", "1")), null, false);

        var results = Enumerable.Range(0, 4).Select(_ => consumer.Offer(change)).ToArray();

        Assert.Equal([true, true, false, true], results);
        Assert.True(consumer.IsOverflowed);
    }

    [Fact]
    public void DiffTo_FromKnownState_EmitsAddedModifiedDeletedOnly()
    {
        var consumer = new ConsumerSubscription<TestPki>(10);
        var same = TestPki.Create("a", "same", "1");
        var oldChanged = TestPki.Create("a", "changed", "1");
        var gone = TestPki.Create("a", "gone", "1");
        foreach (var p in new[] { same, oldChanged, gone })
        {
            consumer.Track(new ResourceChange<TestPki>(ResourceChangeType.Added, p));
        }

        var newChanged = TestPki.Create("a", "changed", "2");
        var created = TestPki.Create("a", "new", "3");

        var diff = consumer.DiffTo([same, newChanged, created]);

        Assert.Equal(3, diff.Count);
        Assert.Contains(diff, c => c.Type == ResourceChangeType.Modified && c.Resource == newChanged && c.OldResource == oldChanged);
        Assert.Contains(diff, c => c.Type == ResourceChangeType.Added && c.Resource == created);
        Assert.Contains(diff, c => c.Type == ResourceChangeType.Deleted && c.Resource == gone);
    }

    [Fact]
    public void Track_DecodeFailedForKnownObject_ForgetsIt()
    {
        var consumer = new ConsumerSubscription<TestPki>(10);
        consumer.Track(new ResourceChange<TestPki>(ResourceChangeType.Added, TestPki.Create("a", "x", "1")));

        consumer.Track(new ResourceChange<TestPki>(ResourceChangeType.DecodeFailed, null, null, new ResourceDecodeFailure("a", "x", null, "2", "{}", "e")));

        Assert.Empty(consumer.Known);
    }
}
