using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// A minimal HTTP/1.1 server for the kubelet's <c>httpGet</c> probes: one request per connection, answered and closed.
/// </summary>
/// <remarks>
/// <para>
/// Its own server rather than <see cref="HttpListener"/>: the managed HttpListener on Linux starts accepting before it has
/// created its connection table, so a probe that arrives during <see cref="HttpListener.Start"/> crashes the start (an
/// <see cref="ArgumentNullException"/> from its accept callback). Here <see cref="Start"/> only binds and listens; nothing is
/// accepted until every field is set and <see cref="Start"/> has returned, and a connection that arrives before that waits in
/// the kernel's backlog and is accepted by the same loop as any other. There is no state for an early connection to find
/// missing, so the race cannot recur.
/// </para>
/// <para>
/// The probe answers are a few bytes computed without I/O, so each connection is served on its own task, bounded by a read
/// timeout so that a client that never finishes its request holds nothing for long.
/// </para>
/// </remarks>
internal sealed class HealthProbeServer : IAsyncDisposable
{
    private const int MaxRequestBytes = 8 * 1024;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly Func<string, CancellationToken, Task<(int StatusCode, string Body)>> _answer;
    private readonly Action<Exception> _requestFailed;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Task> _connections = [];
    private Task _accepting = Task.CompletedTask;

    private HealthProbeServer(Socket socket, Func<string, CancellationToken, Task<(int StatusCode, string Body)>> answer, Action<Exception> requestFailed)
    {
        _socket = socket;
        _answer = answer;
        _requestFailed = requestFailed;
    }

    /// <summary>Gets the port listened on.</summary>
    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>Binds and listens on <paramref name="address"/>:<paramref name="port"/>, then accepts connections in the background.</summary>
    /// <param name="address"><c>*</c> for every interface, a host name or an IP address.</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="answer">Answers a request for a path with a status code and a body.</param>
    /// <param name="requestFailed">Called when one request could not be answered (the server keeps serving).</param>
    /// <returns>The listening server.</returns>
    /// <exception cref="SocketException">The address cannot be bound (for example the port is taken).</exception>
    public static HealthProbeServer Start(string address, int port, Func<string, CancellationToken, Task<(int StatusCode, string Body)>> answer, Action<Exception> requestFailed)
    {
        var endpoint = Resolve(address, port);
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endpoint);
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var server = new HealthProbeServer(socket, answer, requestFailed);
        server._accepting = server.AcceptAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);

        // Closing the listening socket ends the pending accept and releases the port.
        _socket.Dispose();
        await _accepting.ConfigureAwait(false);
        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static IPEndPoint Resolve(string address, int port)
    {
        if (address == "*")
        {
            return new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port);
        }

        if (IPAddress.TryParse(address.Trim('[', ']'), out var ip))
        {
            return new IPEndPoint(ip, port);
        }

        var resolved = Dns.GetHostAddresses(address);
        return new IPEndPoint(resolved.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? resolved[0], port);
    }

    private async Task AcceptAsync()
    {
        // Off the caller's thread: Start returns at once, with every field set, before the first accept.
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A connection reset before it was accepted: that client is gone, the listener is fine.
                _requestFailed(ex);
                continue;
            }

            var serving = ServeAsync(connection);
            lock (_connections)
            {
                _connections.Add(serving);
            }

            _ = serving.ContinueWith(
                t =>
                {
                    lock (_connections)
                    {
                        _connections.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        await Task.Yield();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(ReadTimeout);
        var stream = new NetworkStream(connection, ownsSocket: true);
        await using var _ = stream.ConfigureAwait(false);
        try
        {
            var (method, path) = await ReadRequestAsync(stream, timeout.Token).ConfigureAwait(false);
            var (statusCode, body) = path is null
                ? (400, "bad request: send GET /readyz or GET /livez\n")
                : await _answer(path, timeout.Token).ConfigureAwait(false);
            await WriteResponseAsync(stream, statusCode, body, includeBody: method != "HEAD", timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // Stopping, or a client that did not send its request in time: the connection is closed.
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // One client gone mid-request must not end the endpoint.
            _requestFailed(ex);
        }
    }

    private static async Task<(string? Method, string? Path)> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestBytes];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
            if (buffer.AsSpan(0, read).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        // The request line: METHOD SP request-target SP HTTP-version. Headers are not needed to answer a probe.
        var text = Encoding.ASCII.GetString(buffer, 0, read);
        var lineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        var parts = (lineEnd < 0 ? string.Empty : text[..lineEnd]).Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || !parts[1].StartsWith('/'))
        {
            return (null, null);
        }

        var query = parts[1].IndexOf('?', StringComparison.Ordinal);
        return (parts[0], query < 0 ? parts[1] : parts[1][..query]);
    }

    private static async Task WriteResponseAsync(NetworkStream stream, int statusCode, string body, bool includeBody, CancellationToken cancellationToken)
    {
        var content = Encoding.UTF8.GetBytes(body);
        var reason = statusCode switch
        {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            _ => "Service Unavailable",
        };
        var head = string.Create(
            CultureInfo.InvariantCulture,
            $"HTTP/1.1 {statusCode} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {content.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
        if (includeBody)
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        }
    }
}
