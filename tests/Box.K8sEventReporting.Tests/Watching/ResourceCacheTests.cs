using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Tests.Watching;

public class ResourceCacheTests
{
    private readonly List<(string Index, Exception Error)> indexErrors = [];

    private ResourceCache<TestPki> CreateCache(CustomResourceWatcherOptions? options = null) =>
        new((options ?? new CustomResourceWatcherOptions()).IndexRegistrations, _ => Task.CompletedTask, (i, _, e) => indexErrors.Add((i, e)));

    private static WatchEvent<TestPki> Item(TestPki p) => new(WatchEventKind.Added, p, p.Metadata.ResourceVersion);

    [Fact]
    public void UpsertLocked_NewThenChanged_AddedThenModifiedWithOld()
    {
        var cache = CreateCache();
        var v1 = TestPki.Create("a", "x", "1");
        var v2 = TestPki.Create("a", "x", "2");

        var first = cache.UpsertLocked(v1);
        var second = cache.UpsertLocked(v2);

        Assert.Equal(ResourceChangeType.Added, first!.Type);
        Assert.Equal(ResourceChangeType.Modified, second!.Type);
        Assert.Same(v1, second.OldResource);
        Assert.Same(v2, cache.Get("a", "x"));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void UpsertLocked_SameResourceVersionAgain_NoChange()
    {
        var cache = CreateCache();
        cache.UpsertLocked(TestPki.Create("a", "x", "1"));

        var again = cache.UpsertLocked(TestPki.Create("a", "x", "1"));

        Assert.Null(again);
    }

    [Fact]
    public void DeleteLocked_UnknownObject_NoPhantomDelete()
    {
        var cache = CreateCache();

        Assert.Null(cache.DeleteLocked(TestPki.Create("a", "x", "1")));
    }

    [Fact]
    public void ReplaceLocked_AfterMissedChanges_EmitsExactlyTheDifference()
    {
        var cache = CreateCache();
        var unchanged = TestPki.Create("a", "same", "1");
        var changedOld = TestPki.Create("a", "changed", "2");
        var gone = TestPki.Create("b", "gone", "3");
        cache.ReplaceLocked(null, [Item(unchanged), Item(changedOld), Item(gone)]);
        var changedNew = TestPki.Create("a", "changed", "10");
        var created = TestPki.Create("b", "new", "11");

        var changes = cache.ReplaceLocked(null, [Item(TestPki.Create("a", "same", "1")), Item(changedNew), Item(created)]);

        Assert.Equal(3, changes.Count);
        Assert.Contains(changes, c => c.Type == ResourceChangeType.Modified && c.Resource == changedNew && c.OldResource == changedOld);
        Assert.Contains(changes, c => c.Type == ResourceChangeType.Added && c.Resource == created);
        Assert.Contains(changes, c => c.Type == ResourceChangeType.Deleted && c.Resource == gone);
        Assert.Equal(["changed", "new", "same"], cache.List().Select(p => p.Metadata.Name).Order());
    }

    [Fact]
    public void ReplaceLocked_ScopedToNamespace_LeavesOtherNamespacesAlone()
    {
        var cache = CreateCache();
        cache.ReplaceLocked("a", [Item(TestPki.Create("a", "x", "1"))]);
        cache.ReplaceLocked("b", [Item(TestPki.Create("b", "y", "2"))]);

        var changes = cache.ReplaceLocked("a", []);

        Assert.Single(changes);
        Assert.Equal(ResourceChangeType.Deleted, changes[0].Type);
        Assert.Empty(cache.List("a"));
        Assert.Single(cache.List("b"));
    }

    [Fact]
    public void ListByIndex_MaintainedOnAddUpdateAndDelete()
    {
        var options = new CustomResourceWatcherOptions().AddIndex<TestPki>("service", p => [p.Spec!.ServiceName!]);
        var cache = CreateCache(options);
        cache.UpsertLocked(TestPki.Create("a", "x", "1", serviceName: "web"));
        cache.UpsertLocked(TestPki.Create("b", "y", "1", serviceName: "web"));

        cache.UpsertLocked(TestPki.Create("a", "x", "2", serviceName: "api"));
        var web = cache.ListByIndex("service", "web");
        var api = cache.ListByIndex("service", "api");
        cache.DeleteLocked(TestPki.Create("b", "y", "3"));

        Assert.Equal(["y"], web.Select(p => p.Metadata.Name));
        Assert.Equal(["x"], api.Select(p => p.Metadata.Name));
        Assert.Empty(cache.ListByIndex("service", "web"));
    }

    [Fact]
    public void ListByIndex_UnknownIndex_ThrowsNamingRegisteredOnes()
    {
        var cache = CreateCache(new CustomResourceWatcherOptions().AddIndex<TestPki>("service", _ => []));

        var ex = Assert.Throws<ArgumentException>(() => cache.ListByIndex("nope", "v"));

        Assert.Contains("service", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UpsertLocked_IndexFunctionThrows_ObjectCachedAndErrorReported()
    {
        var cache = CreateCache(new CustomResourceWatcherOptions().AddIndex<TestPki>("boom", _ => throw new InvalidOperationException("x")));

        var change = cache.UpsertLocked(TestPki.Create("a", "x", "1"));

        Assert.NotNull(change);
        Assert.NotNull(cache.Get("a", "x"));
        Assert.Single(indexErrors);
    }

    [Fact]
    public void DecodeFailedLocked_CachedObjectBecomesUnreadable_RemovedAndOldStateReported()
    {
        var cache = CreateCache();
        var old = TestPki.Create("a", "x", "1");
        cache.UpsertLocked(old);
        var failure = new ResourceDecodeFailure("a", "x", "uid", "2", "{}", "bad");

        var change = cache.DecodeFailedLocked(failure, isDelete: false);
        var repeat = cache.DecodeFailedLocked(failure, isDelete: false);

        Assert.Equal(ResourceChangeType.DecodeFailed, change!.Type);
        Assert.Same(old, change.OldResource);
        Assert.Same(failure, change.DecodeFailure);
        Assert.Null(cache.Get("a", "x"));
        Assert.Null(repeat);
    }

    [Fact]
    public void DecodeFailedLocked_UnreadableDeleteOfCachedObject_DeletedWithLastKnownState()
    {
        var cache = CreateCache();
        var old = TestPki.Create("a", "x", "1");
        cache.UpsertLocked(old);

        var change = cache.DecodeFailedLocked(new ResourceDecodeFailure("a", "x", null, "5", "{}", "bad"), isDelete: true);

        Assert.Equal(ResourceChangeType.Deleted, change!.Type);
        Assert.Same(old, change.Resource);
    }

    [Fact]
    public void ReplaceLocked_SameUndecodableItemTwice_ReportedOnce()
    {
        var cache = CreateCache();
        var bad = new WatchEvent<TestPki>(WatchEventKind.DecodeFailed, Failure: new ResourceDecodeFailure("a", "bad", null, "4", "{}", "e"));

        var first = cache.ReplaceLocked(null, [bad]);
        var second = cache.ReplaceLocked(null, [bad]);

        Assert.Single(first);
        Assert.Empty(second);
    }
}
