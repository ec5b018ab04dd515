using System.Buffers;

namespace Box.K8sEventReporting.Watching;

/// <summary>
/// Splits a newline-delimited stream into lines of UTF-8 bytes without decoding them to strings.
/// Chunk boundaries need not match line boundaries. Each line is valid until the next read.
/// </summary>
internal sealed class LineReader : IDisposable
{
    internal const int DefaultMaxLineBytes = 64 * 1024 * 1024;

    private readonly Stream stream;
    private readonly int maxLineBytes;
    private byte[] buffer;
    private int start;
    private int end;
    private bool endOfStream;

    public LineReader(Stream stream, int initialBufferSize = 64 * 1024, int maxLineBytes = DefaultMaxLineBytes)
    {
        this.stream = stream;
        this.maxLineBytes = maxLineBytes;
        buffer = ArrayPool<byte>.Shared.Rent(initialBufferSize);
    }

    /// <summary>Reads the next non-empty line.</summary>
    /// <returns>The line without its newline, or <see langword="null"/> at the end of the stream.</returns>
    /// <exception cref="InvalidDataException">A line is longer than the limit.</exception>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var pending = buffer.AsSpan(start, end - start);
            var newline = pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                ReadOnlyMemory<byte> line = buffer.AsMemory(start, newline);
                start += newline + 1;
                line = TrimCarriageReturn(line);
                if (line.Length > 0)
                {
                    return line;
                }

                continue;
            }

            if (endOfStream)
            {
                if (end > start)
                {
                    var last = TrimCarriageReturn(buffer.AsMemory(start, end - start));
                    start = end;
                    if (last.Length > 0)
                    {
                        return last;
                    }
                }

                return null;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                if (buffer.Length >= maxLineBytes)
                {
                    throw new InvalidDataException($"A line of the watch stream is longer than {maxLineBytes} bytes.");
                }

                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(maxLineBytes, buffer.Length * 2));
                Buffer.BlockCopy(buffer, 0, bigger, 0, end);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }

            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                endOfStream = true;
            }
            else
            {
                end += read;
            }
        }
    }

    public void Dispose()
    {
        var rented = buffer;
        buffer = [];
        start = end = 0;
        if (rented.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ReadOnlyMemory<byte> TrimCarriageReturn(ReadOnlyMemory<byte> line) =>
        line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line;
}
