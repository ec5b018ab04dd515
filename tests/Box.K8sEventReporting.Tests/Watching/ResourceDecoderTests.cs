using System.Text.Json;
using System.Text;
using Box.K8sEventReporting.Tests.TestSupport;
using Box.K8sEventReporting.Watching;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Watching;

public class ResourceDecoderTests
{
    private const string ManagedFields = "\"managedFields\":[{\"apiVersion\":\"box.com/v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:spec\":{}},\"manager\":\"transcripts\",\"operation\":\"Update\",\"time\":\"2026-11-25T16:29:43Z\"}]";

    private static readonly ResourceDecoder<TestPki> Decoder = new(p => p);

    private static WatchEvent<TestPki> Decode(string line) => Decoder.DecodeWatchLine(Encoding.UTF8.GetBytes(line));

    [Fact]
    public void DecodeWatchLine_AddedFromRealTranscript_ReturnsObject()
    {
        var line = "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"box.com/v1\",\"kind\":\"Pki\",\"metadata\":{\"creationTimestamp\":\"2026-11-25T16:29:43Z\",\"generation\":1," + ManagedFields + ",\"name\":\"app4-pki\",\"namespace\":\"team-b\",\"resourceVersion\":\"230\",\"uid\":\"0f9f\"},\"spec\":{\"serviceName\":\"app4\"}}}";

        var result = Decode(line);

        Assert.Equal(WatchEventKind.Added, result.Kind);
        Assert.Equal("app4-pki", result.Object!.Metadata.Name);
        Assert.Equal("team-b", result.Object.Metadata.NamespaceProperty);
        Assert.Equal("app4", result.Object.Spec!.ServiceName);
        Assert.Equal("230", result.ResourceVersion);
    }

    [Theory]
    [InlineData("MODIFIED", (int)WatchEventKind.Modified)]
    [InlineData("DELETED", (int)WatchEventKind.Deleted)]
    public void DecodeWatchLine_OtherChangeTypes_AreRecognised(string type, int expectedKind)
    {
        var expected = (WatchEventKind)expectedKind;
        var result = Decode("{\"type\":\"" + type + "\",\"object\":{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"resourceVersion\":\"5\"}}}");

        Assert.Equal(expected, result.Kind);
        Assert.Equal("5", result.ResourceVersion);
    }

    [Fact]
    public void DecodeWatchLine_Bookmark_CarriesOnlyResourceVersion()
    {
        var result = Decode("{\"type\":\"BOOKMARK\",\"object\":{\"apiVersion\":\"box.com/v1\",\"kind\":\"Pki\",\"metadata\":{\"resourceVersion\":\"235\"}}}");

        Assert.Equal(WatchEventKind.Bookmark, result.Kind);
        Assert.Equal("235", result.ResourceVersion);
        Assert.Null(result.Object);
    }

    [Fact]
    public void DecodeWatchLine_ErrorExpired_ReturnsStatus410()
    {
        var result = Decode("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: 227 (243)\",\"reason\":\"Expired\",\"code\":410}}");

        Assert.Equal(WatchEventKind.Error, result.Kind);
        Assert.Equal(410, result.Status!.Code);
        Assert.Equal("Expired", result.Status.Reason);
    }

    [Fact]
    public void DecodeWatchLine_ErrorForPodWatch_ReturnsStatusNotDecodeFailure()
    {
        var decoder = new ResourceDecoder<V1Pod>(p => p);

        var result = decoder.DecodeWatchLine("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"gone\",\"reason\":\"Expired\",\"code\":410}}"u8);

        Assert.Equal(WatchEventKind.Error, result.Kind);
        Assert.Equal(410, result.Status!.Code);
    }

    [Fact]
    public void DecodeWatchLine_WrongFieldType_IsDecodeFailureWithIdentity()
    {
        var result = Decode("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"bad\",\"namespace\":\"team-a\",\"uid\":\"u-1\",\"resourceVersion\":\"77\"},\"spec\":{\"serviceName\":\"x\",\"replicas\":\"three\"}}}");

        Assert.Equal(WatchEventKind.DecodeFailed, result.Kind);
        Assert.Equal("MODIFIED", result.FailedEventType);
        Assert.Equal(new[] { "team-a", "bad", "u-1", "77" }, new[] { result.Failure!.Namespace, result.Failure.Name, result.Failure.Uid, result.Failure.ResourceVersion });
        Assert.Contains("\"three\"", result.Failure.RawJson, StringComparison.Ordinal);
        Assert.Contains("TestPki", result.Failure.Error, StringComparison.Ordinal);
        Assert.Equal("77", result.ResourceVersion);
    }

    [Fact]
    public void DecodeWatchLine_ControlCharactersInTheObject_AreEscapedInTheError()
    {
        var result = Decode("{\"type\":\"FORGED\\nWarning Fake: x\\u0000\",\"object\":{\"metadata\":{\"name\":\"bad\",\"namespace\":\"team-a\"}}}");

        Assert.Equal(WatchEventKind.DecodeFailed, result.Kind);
        Assert.Equal("Unknown watch event type 'FORGED\\nWarning Fake: x\\x00'.", result.Failure!.Error);
    }

    [Fact]
    public void DecodeWatchLine_MissingMetadata_IsDecodeFailure()
    {
        var result = Decode("{\"type\":\"ADDED\",\"object\":{\"spec\":{\"serviceName\":\"x\"}}}");

        Assert.Equal(WatchEventKind.DecodeFailed, result.Kind);
        Assert.Contains("metadata.name", result.Failure!.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeWatchLine_InvalidJson_IsDecodeFailureWithWhatWasReadable()
    {
        var result = Decode("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"half\",\"namespace\":\"team-a\",\"uid\":\"u-9\"},\"spec\":{\"serviceName\":");

        Assert.Equal(WatchEventKind.DecodeFailed, result.Kind);
        Assert.Equal("half", result.Failure!.Name);
        Assert.Equal("team-a", result.Failure.Namespace);
        Assert.Equal("u-9", result.Failure.Uid);
        Assert.Contains("not valid JSON", result.Failure.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeWatchLine_UnknownType_IsDecodeFailure()
    {
        var result = Decode("{\"type\":\"SURPRISE\",\"object\":{\"metadata\":{\"name\":\"a\"}}}");

        Assert.Equal(WatchEventKind.DecodeFailed, result.Kind);
        Assert.Contains("SURPRISE", result.Failure!.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeWatchLine_HugeBadObject_RawJsonIsTruncated()
    {
        var huge = new string('x', ResourceDecoder<TestPki>.MaxRawJsonChars * 2);

        var result = Decode("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"big\"},\"spec\":{\"replicas\":\"" + huge + "\"}}}");

        Assert.Equal(WatchEventKind.DecodeFailed, result.Kind);
        Assert.Equal(ResourceDecoder<TestPki>.MaxRawJsonChars, result.Failure!.RawJson.Length);
    }

    [Fact]
    public void DecodeListItem_CoreItemWithoutKind_IsPreparedByCallback()
    {
        var decoder = new ResourceDecoder<V1Pod>(p =>
        {
            p.Kind ??= "Pod";
            return p;
        });
        using var doc = JsonDocument.Parse("{\"metadata\":{\"name\":\"app1\",\"namespace\":\"team-a\",\"resourceVersion\":\"9\"},\"spec\":{\"containers\":[]}}");

        var result = decoder.DecodeListItem(doc.RootElement);

        Assert.Equal(WatchEventKind.Added, result.Kind);
        Assert.Equal("Pod", result.Object!.Kind);
    }

    [Fact]
    public void Scan_MetadataAfterNestedObjects_ReadsOnlyTheObjectsMetadata()
    {
        var identity = ObjectIdentity.Scan("{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"metadata\":{\"labels\":{\"name\":\"label\"},\"name\":\"real\",\"resourceVersion\":\"3\"},\"spec\":{\"name\":\"other\"}"u8);

        Assert.Equal("real", identity.Name);
        Assert.Equal("3", identity.ResourceVersion);
    }

    [Fact]
    public void DecodeList_AllItemsGood_DecodesEveryItemWithListMetadata()
    {
        var (items, rv, next) = Decoder.DecodeList("{\"items\":[{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}},{\"metadata\":{\"name\":\"b\",\"resourceVersion\":\"2\"}}],\"metadata\":{\"resourceVersion\":\"9\",\"continue\":\"tok\"}}"u8);

        Assert.Equal(["a", "b"], items.Select(i => i.Object!.Metadata.Name));
        Assert.Equal("9", rv);
        Assert.Equal("tok", next);
    }

    [Fact]
    public void DecodeList_OneBadItem_OnlyThatItemFails()
    {
        var (items, rv, _) = Decoder.DecodeList("{\"items\":[{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}},{\"metadata\":{\"name\":\"bad\",\"namespace\":\"n\"},\"spec\":{\"replicas\":\"x\"}},{\"spec\":{}}],\"metadata\":{\"resourceVersion\":\"9\"}}"u8);

        Assert.Equal([WatchEventKind.Added, WatchEventKind.DecodeFailed, WatchEventKind.DecodeFailed], items.Select(i => i.Kind));
        Assert.Equal("bad", items[1].Failure!.Name);
        Assert.Contains("metadata.name", items[2].Failure!.Error, StringComparison.Ordinal);
        Assert.Equal("9", rv);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DecodeWatchLine_SkipManagedFields_ManagedFieldsNotReadButEverythingElseIs(bool skip)
    {
        var decoder = new ResourceDecoder<TestPki>(p => p, skipManagedFields: skip);
        var line = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"creationTimestamp\":\"2026-11-25T16:29:43Z\"," + ManagedFields + ",\"name\":\"a\",\"namespace\":\"n\",\"resourceVersion\":\"3\"},\"spec\":{\"serviceName\":\"s\"}}}";

        var result = decoder.DecodeWatchLine(Encoding.UTF8.GetBytes(line));

        Assert.Equal(WatchEventKind.Added, result.Kind);
        Assert.Equal(skip, result.Object!.Metadata.ManagedFields is null);
        Assert.Equal("s", result.Object.Spec!.ServiceName);
        Assert.NotNull(result.Object.Metadata.CreationTimestamp);
    }
}
