using System.Net;
using System.Text;
using System.Threading.Channels;
using k8s;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Watching;

/// <summary>
/// A scripted API server at the end of KubernetesClient's own HTTP pipeline (a DelegatingHandler that never calls the network):
/// each request waits until the test answers it, so the test decides every response and its timing.
/// </summary>
internal sealed class ScriptedApiServer : DelegatingHandler
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Channel<PendingRequest> requests = Channel.CreateUnbounded<PendingRequest>();
    private readonly TimeProvider time;

    public ScriptedApiServer(TimeProvider time)
    {
        this.time = time;
        Client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://scripted.invalid" }, this);
    }

    public Kubernetes Client { get; }

    public async Task<PendingRequest> NextRequestAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await requests.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No request arrived within {Patience}.");
        }
    }

    public bool TryGetRequest(out PendingRequest? request) => requests.Reader.TryRead(out request);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var pending = new PendingRequest(request.RequestUri!, time.GetUtcNow());
        requests.Writer.TryWrite(pending);
        var response = await pending.Response.Task.WaitAsync(cancellationToken);
        response.RequestMessage = request;
        return response;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Client.Dispose();
        }

        base.Dispose(disposing);
    }

    internal sealed class PendingRequest(Uri uri, DateTimeOffset receivedAt)
    {
        public Uri Uri { get; } = uri;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        public TaskCompletionSource<HttpResponseMessage> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Path => Uri.AbsolutePath;

        public bool IsWatch => Query("watch") == "true";

        public string? Query(string name)
        {
            foreach (var part in Uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = part.Split('=', 2);
                if (kv[0] == name)
                {
                    return Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : string.Empty);
                }
            }

            return null;
        }

        public void RespondJson(HttpStatusCode status, string json, TimeSpan? retryAfter = null)
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            if (retryAfter is { } delay)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
            }

            Response.SetResult(response);
        }

        public void RespondList(string resourceVersion, string? continueToken, params string[] items) =>
            RespondJson(HttpStatusCode.OK, "{\"apiVersion\":\"box.com/v1\",\"kind\":\"PkiList\",\"items\":[" + string.Join(",", items) + "],\"metadata\":{\"continue\":\"" + continueToken + "\",\"resourceVersion\":\"" + resourceVersion + "\"}}");

        public void RespondStatus(int code, string reason, TimeSpan? retryAfter = null) =>
            RespondJson((HttpStatusCode)code, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"scripted " + code + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}", retryAfter);

        public WatchStream RespondWatch()
        {
            var stream = new WatchStream();
            Response.SetResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(stream) });
            return stream;
        }
    }

    /// <summary>The body of a watch response that the test writes lines to, and ends (or not) when it wants.</summary>
    internal sealed class WatchStream : Stream
    {
        private readonly Channel<byte[]> chunks = Channel.CreateUnbounded<byte[]>();
        private byte[] current = [];
        private int offset;

        public bool WasCancelled { get; private set; }

        public bool WasDisposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Send(string line) => chunks.Writer.TryWrite(Encoding.UTF8.GetBytes(line + "\n"));

        public void Event(string type, string obj) => Send("{\"type\":\"" + type + "\",\"object\":" + obj + "}");

        public void Bookmark(string resourceVersion) => Send("{\"type\":\"BOOKMARK\",\"object\":{\"apiVersion\":\"box.com/v1\",\"kind\":\"Pki\",\"metadata\":{\"resourceVersion\":\"" + resourceVersion + "\"}}}");

        public void Expired() => Send("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: 1 (2)\",\"reason\":\"Expired\",\"code\":410}}");

        public void End() => chunks.Writer.TryComplete();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (offset >= current.Length)
            {
                try
                {
                    if (!await chunks.Reader.WaitToReadAsync(cancellationToken))
                    {
                        return 0;
                    }
                }
                catch (OperationCanceledException)
                {
                    WasCancelled = true;
                    throw;
                }

                if (chunks.Reader.TryRead(out var next))
                {
                    current = next;
                    offset = 0;
                }
            }

            var n = Math.Min(buffer.Length, current.Length - offset);
            current.AsMemory(offset, n).CopyTo(buffer);
            offset += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            WasDisposed = true;
            base.Dispose(disposing);
        }
    }
}

/// <summary>A FakeTimeProvider that records the due time of every one-shot timer (Task.Delay, CancelAfter) it creates.</summary>
internal sealed class RecordingTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> oneShotTimers = Channel.CreateUnbounded<TimeSpan>();

    public RecordingTimeProvider()
        : base(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero))
    {
        AutoAdvanceAmount = TimeSpan.Zero;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Recorded only once the timer exists, so that a test advancing time after seeing it cannot miss it.
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (period == Timeout.InfiniteTimeSpan && dueTime != Timeout.InfiniteTimeSpan)
        {
            oneShotTimers.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>Waits (in real time, bounded) until a one-shot timer matching <paramref name="predicate"/> is created.</summary>
    public async Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> predicate)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var due = await oneShotTimers.Reader.ReadAsync(timeout.Token);
                if (predicate(due))
                {
                    return due;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No matching timer was created within 10 s.");
        }
    }
}
