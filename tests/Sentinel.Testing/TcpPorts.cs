using System.Net;
using System.Net.Sockets;

namespace Sentinel.Testing;

/// <summary>Loopback ports in the states probes meet: free, closed, and silent.</summary>
public static class TcpPorts
{
    /// <summary>A port that was free a moment ago (bound to 0, then released).</summary>
    public static int Free(IPAddress? address = null)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address ?? IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A port where nothing listens, so that a connection attempt is refused (RST).</summary>
    public static int Closed() => Free();
}

/// <summary>
/// A listener whose accept queue is full, so that the kernel drops further SYNs: a connection attempt gets no
/// answer at all, like a firewall that drops packets. Linux queues at most backlog + 1 connections.
/// </summary>
public sealed class SilentListener : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _fillers = [];

    public SilentListener()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(0);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;

        // Fill the queue: connections complete in the kernel until it is full, then connects hang.
        for (var i = 0; i < 8; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
            try
            {
                filler.Connect(EndPoint);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
            }

            _fillers.Add(filler);
        }
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose()
    {
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _listener.Dispose();
    }
}

/// <summary>A loopback TCP listener that accepts connections and counts them, then closes them.</summary>
public sealed class CountingListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;

    public CountingListener()
    {
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _ = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int Accepted => Volatile.Read(ref _accepted);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
