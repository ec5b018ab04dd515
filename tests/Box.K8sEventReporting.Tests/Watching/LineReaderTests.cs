using System.Text;
using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Tests.Watching;

public class LineReaderTests
{
    [Fact]
    public async Task ReadLineAsync_ChunksSplitAcrossLines_YieldsWholeLines()
    {
        using var stream = new ChunkedStream(["{\"a\":1}\n{\"b\"", ":2}\r\n\n", "{\"c\":3}"]);
        using var reader = new LineReader(stream, initialBufferSize: 4);

        var lines = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lines.Add(Encoding.UTF8.GetString(line.Span));
        }

        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"], lines);
    }

    [Fact]
    public async Task ReadLineAsync_LineLongerThanLimit_ThrowsInvalidData()
    {
        using var stream = new ChunkedStream([new string('x', 100)]);
        using var reader = new LineReader(stream, initialBufferSize: 16, maxLineBytes: 32);

        await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadLineAsync(CancellationToken.None));
    }

    private sealed class ChunkedStream(string[] chunks) : Stream
    {
        private int next;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (next >= chunks.Length)
            {
                return 0;
            }

            var bytes = Encoding.UTF8.GetBytes(chunks[next]);
            var n = Math.Min(bytes.Length, buffer.Length);
            bytes.AsSpan(0, n).CopyTo(buffer);
            if (n == bytes.Length)
            {
                next++;
            }
            else
            {
                chunks[next] = Encoding.UTF8.GetString(bytes, n, bytes.Length - n);
            }

            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
