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
/// A minimal HTTP proxy on loopback that opens CONNECT tunnels (to loopback only) and refuses other requests,
/// or refuses every tunnel with 403 when <c>refuse</c> is set. Counts the tunnels it opened.
/// </summary>
public sealed class ConnectProxy : IAsyncDisposable
{
    private readonly RawHttpServer _server;
    private int _tunnels;

    public ConnectProxy(bool refuse = false)
    {
        _server = RawHttpServer.Start(async (client, head, ct) =>
        {
            var parts = head.Split(' ', 3);
            if (refuse || parts.Length < 2 || parts[0] != "CONNECT" || !IPEndPoint.TryParse(parts[1], out var target) || !IPAddress.IsLoopback(target.Address))
            {
                await RawHttpServer.WriteAsync(client, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", ct);
                return;
            }

            using var upstream = new TcpClient();
            await upstream.ConnectAsync(target, ct);
            Interlocked.Increment(ref _tunnels);
            await RawHttpServer.WriteAsync(client, "HTTP/1.1 200 Connection established\r\n\r\n", ct);
            var server = upstream.GetStream();
            await Task.WhenAny(client.CopyToAsync(server, ct), server.CopyToAsync(client, ct));
        });
    }

    public IPEndPoint EndPoint => _server.EndPoint;

    public string Url => $"http://127.0.0.1:{EndPoint.Port}";

    public int Tunnels => Volatile.Read(ref _tunnels);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
