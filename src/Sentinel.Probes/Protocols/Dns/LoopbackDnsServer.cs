using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Sentinel.Probes.Protocols.Dns;

/// <summary>
/// A throwaway DNS responder on loopback for warm-ups: it answers every query, over UDP and TCP on one port, with
/// what its reply function makes of the query (nothing for null), so that a one-shot run can exercise a DNS client's
/// code paths before it times a real server, without a packet leaving the machine. It serves until disposed.
/// </summary>
internal sealed class LoopbackDnsServer : IAsyncDisposable
{
    private readonly Func<ReadOnlySpan<byte>, byte[]?> _reply;
    private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _tcp = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    /// <summary>Starts serving on 127.0.0.1; <paramref name="reply"/> gets the query's bytes (RFC 1035 wire format).</summary>
    public LoopbackDnsServer(Func<ReadOnlySpan<byte>, byte[]?> reply)
    {
        _reply = reply;
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
        _tcp.Bind(EndPoint);
        _tcp.Listen(4);
        _serving = Task.WhenAll(ServeUdpAsync(_stop.Token), ServeTcpAsync(_stop.Token));
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// Where the query's question ends (after its QTYPE and QCLASS), or null when <paramref name="query"/> is too short
    /// to hold one: the name starts at offset 12, after the header (RFC 1035 §4.1.1–4.1.2).
    /// </summary>
    public static int? QuestionEnd(ReadOnlySpan<byte> query)
    {
        var end = 12;
        while (end < query.Length && query[end] != 0)
        {
            end += query[end] + 1;
        }

        end += 5;
        return query.Length < 12 || end > query.Length ? null : end;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _udp.Dispose();
        _tcp.Dispose();
        try
        {
            await _serving.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task ServeUdpAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (!cancellationToken.IsCancellationRequested)
        {
            var received = await _udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cancellationToken).ConfigureAwait(false);
            if (_reply(buffer.AsSpan(0, received.ReceivedBytes)) is { } reply)
            {
                await _udp.SendToAsync(reply, received.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ServeTcpAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (!cancellationToken.IsCancellationRequested)
        {
            using var connection = await _tcp.AcceptAsync(cancellationToken).ConfigureAwait(false);
            using var stream = new NetworkStream(connection);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, 2), cancellationToken).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
            if (length > buffer.Length)
            {
                continue;
            }

            await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            if (_reply(buffer.AsSpan(0, length)) is { } reply)
            {
                var framed = new byte[2 + reply.Length];
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
                reply.CopyTo(framed, 2);
                await stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
