using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sentinel.Testing;

/// <summary>
/// A TCP server on loopback that answers each connection with a script, byte for byte: the misbehaving HTTP
/// servers no framework would be (a malformed status line, a close in the middle of the body, an endless body,
/// enormous headers, a slow drip, silence after accepting). Every connection is closed on dispose.
/// </summary>
public sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<NetworkStream, string, CancellationToken, Task> _script;
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _accepted;

    private RawHttpServer(Func<NetworkStream, string, CancellationToken, Task> script)
    {
        _script = script;
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    public string Url(string path = "/") => $"http://127.0.0.1:{EndPoint.Port}{path}";

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Starts a server that runs <paramref name="script"/> on each connection (after the request head has been read).</summary>
    public static RawHttpServer Start(Func<NetworkStream, CancellationToken, Task> script) => new((stream, _, ct) => script(stream, ct));

    /// <summary>Starts a server that runs <paramref name="script"/> with the request head it read.</summary>
    public static RawHttpServer Start(Func<NetworkStream, string, CancellationToken, Task> script) => new(script);

    /// <summary>Starts a server that sends <paramref name="response"/> verbatim and closes.</summary>
    public static RawHttpServer Replying(string response) => Start(async (stream, ct) => await stream.WriteAsync(Encoding.ASCII.GetBytes(response), ct));

    /// <summary>Reads the request head (up to the blank line, at most 64 KiB) so that scripts answer after the request.</summary>
    public static async Task<string> ReadRequestHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
            if (buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        return Encoding.ASCII.GetString(buffer, 0, filled);
    }

    /// <summary>Writes text as ASCII.</summary>
    public static Task WriteAsync(NetworkStream stream, string text, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).AsTask();

    /// <summary>Waits until the server stops (the client gives up first): silence after accepting.</summary>
    public static async Task HoldAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
                lock (_connections)
                {
                    _connections.RemoveAll(t => t.IsCompleted);
                    _connections.Add(ServeAsync(client));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadRequestHeadAsync(stream, _stop.Token);
                await _script(stream, head, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The client gave up (its deadline, its body cap): normal for a misbehaving server.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] pending;
        lock (_connections)
        {
            pending = [.. _connections, _accepting];
        }

        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}

/// <summary>
/// A minimal HTTP proxy on loopback (to loopback targets only): it opens CONNECT tunnels and forwards plain-http
/// requests sent in absolute form (one request per connection: it relays bytes after rewriting the request line).
/// <c>refuse</c> answers 403 to everything; <c>refuseTunnels</c> only to CONNECT, as Squid does by default for
/// ports other than 443. Counts what it did and keeps the request lines it received.
/// </summary>
public sealed class ConnectProxy : IAsyncDisposable
{
    private readonly RawHttpServer _server;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requestLines = new();
    private int _tunnels;
    private int _forwarded;

    public ConnectProxy(bool refuse = false, bool refuseTunnels = false)
    {
        _server = RawHttpServer.Start(async (client, head, ct) =>
        {
            var requestLine = head.Split("\r\n", 2)[0];
            _requestLines.Enqueue(requestLine);
            var parts = requestLine.Split(' ');
            if (!refuse && parts.Length == 3 && parts[0] == "CONNECT" && !refuseTunnels && IPEndPoint.TryParse(parts[1], out var target) && IPAddress.IsLoopback(target.Address))
            {
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(target, ct);
                Interlocked.Increment(ref _tunnels);
                await RawHttpServer.WriteAsync(client, "HTTP/1.1 200 Connection established\r\n\r\n", ct);
                var server = upstream.GetStream();
                await Task.WhenAny(client.CopyToAsync(server, ct), server.CopyToAsync(client, ct));
            }
            else if (!refuse && parts.Length == 3 && parts[0] != "CONNECT" && Uri.TryCreate(parts[1], UriKind.Absolute, out var url)
                && url.Scheme == Uri.UriSchemeHttp && IPAddress.TryParse(url.Host, out var address) && IPAddress.IsLoopback(address))
            {
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(address, url.Port, ct);
                Interlocked.Increment(ref _forwarded);
                var server = upstream.GetStream();
                await RawHttpServer.WriteAsync(server, $"{parts[0]} {url.PathAndQuery} {parts[2]}\r\n{head.Split("\r\n", 2)[1]}", ct);
                await Task.WhenAny(client.CopyToAsync(server, ct), server.CopyToAsync(client, ct));
            }
            else
            {
                await RawHttpServer.WriteAsync(client, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", ct);
            }
        });
    }

    public IPEndPoint EndPoint => _server.EndPoint;

    public string Url => $"http://127.0.0.1:{EndPoint.Port}";

    public int Tunnels => Volatile.Read(ref _tunnels);

    /// <summary>Plain-http requests forwarded.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    /// <summary>The request lines received, oldest first.</summary>
    public IReadOnlyList<string> RequestLines => [.. _requestLines];

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
