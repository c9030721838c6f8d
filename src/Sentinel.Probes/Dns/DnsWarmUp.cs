using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Sentinel.Probes.Dns;

/// <summary>
/// A throwaway DNS responder on loopback for warming a one-shot run: it answers every query with the query
/// itself turned into an empty NOERROR answer (QR set, rcode cleared), over UDP and TCP on one port. That is
/// enough for DnsClient's send, receive and parse paths, and the probe's own, to be compiled before the target
/// is timed. Only used by <see cref="DnsProbe.WarmUpAsync"/>; it serves until disposed.
/// </summary>
internal sealed class DnsWarmUp : IAsyncDisposable
{
    private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _tcp = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public DnsWarmUp()
    {
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
        _tcp.Bind(EndPoint);
        _tcp.Listen(4);
        _serving = Task.WhenAll(ServeUdpAsync(_stop.Token), ServeTcpAsync(_stop.Token));
    }

    public IPEndPoint EndPoint { get; }

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
            if (Reply(buffer.AsSpan(0, received.ReceivedBytes)))
            {
                await _udp.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ServeTcpAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[2 + 4096];
        while (!cancellationToken.IsCancellationRequested)
        {
            using var connection = await _tcp.AcceptAsync(cancellationToken).ConfigureAwait(false);
            using var stream = new NetworkStream(connection);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, 2), cancellationToken).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
            if (length > buffer.Length - 2)
            {
                continue;
            }

            await stream.ReadExactlyAsync(buffer.AsMemory(2, length), cancellationToken).ConfigureAwait(false);
            if (Reply(buffer.AsSpan(2, length)))
            {
                await stream.WriteAsync(buffer.AsMemory(0, 2 + length), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Turns a query into its empty answer in place (RFC 1035 §4.1.1: QR is bit 7 of byte 2, RCODE the low nibble of byte 3).</summary>
    private static bool Reply(Span<byte> message)
    {
        if (message.Length < 12)
        {
            return false;
        }

        message[2] |= 0x80;
        message[3] &= 0xF0;
        return true;
    }
}
