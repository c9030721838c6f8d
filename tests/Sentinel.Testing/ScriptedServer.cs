using System.Net;
using System.Net.Sockets;

namespace Sentinel.Testing;

/// <summary>
/// A loopback TCP server that runs a script on each connection it accepts: the hostile and broken peers probes
/// must survive (a silent server, a slow drip, a banner of another protocol, endless data). The script gets the
/// connection's stream and a token cancelled when the server is disposed.
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<NetworkStream, CancellationToken, Task> _script;
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;

    private ScriptedServer(Func<NetworkStream, CancellationToken, Task> script)
    {
        _script = script;
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    public string Target => $"127.0.0.1:{EndPoint.Port}";

    public static ScriptedServer Start(Func<NetworkStream, CancellationToken, Task> script) => new(script);

    /// <summary>A server that writes <paramref name="bytes"/> on accepting, then waits for the client to close.</summary>
    public static ScriptedServer Sending(byte[] bytes) => Start(async (stream, ct) =>
    {
        await stream.WriteAsync(bytes, ct);
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, ct) > 0)
        {
        }
    });

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_connections)
                {
                    _connections.RemoveAll(t => t.IsCompleted);
                    _connections.Add(RunAsync(client));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task RunAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await _script(client.GetStream(), _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
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
