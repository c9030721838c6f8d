using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Sentinel.Testing;

/// <summary>
/// A DNS server on loopback (UDP and TCP, same port) that answers each query with whatever the test makes of
/// its bytes: garbage, a reply with the wrong id, a compression loop, a TCP reply that drips or stops. For the
/// hostile-target tests: a probe must classify such replies, in bounded time and memory, without crashing.
/// It can also answer differently over TCP than over UDP (<see cref="OverTcp"/>), or hold its TCP port without
/// listening, so that a client falling back to TCP is refused. Serves until disposed; every loop ends with the server.
/// </summary>
public sealed class HostileDnsServer : IDisposable
{
    private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _tcp = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<byte[], byte[]?> _reply;
    private readonly Func<NetworkStream, byte[], CancellationToken, Task>? _tcpReply;
    private int _queries;
    private int _tcpQueries;

    /// <param name="reply">Turns a query into the reply bytes (over TCP, framed with the length); null sends nothing.</param>
    /// <param name="tcpReply">Replaces the TCP answer with its own writes to the stream, when given.</param>
    /// <param name="listenOnTcp">
    /// False to keep the TCP port bound but not listening, so that a connection to it is refused (RST): a server that
    /// answers only over UDP, against RFC 7766.
    /// </param>
    public HostileDnsServer(Func<byte[], byte[]?> reply, Func<NetworkStream, byte[], CancellationToken, Task>? tcpReply = null, bool listenOnTcp = true)
    {
        _reply = reply;
        _tcpReply = tcpReply;
        for (var attempt = 0; ; attempt++)
        {
            _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
            try
            {
                _tcp.Bind(EndPoint);
                break;
            }
            catch (SocketException) when (attempt < 10)
            {
                _udp.Dispose();
                _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            }
        }

        _ = ServeUdpAsync(_stop.Token);
        if (listenOnTcp)
        {
            _tcp.Listen(16);
            _ = ServeTcpAsync(_stop.Token);
        }
    }

    public IPEndPoint EndPoint { get; private set; }

    /// <summary>The server as a check's <c>servers</c> entry writes it.</summary>
    public string Address => $"{EndPoint.Address}:{EndPoint.Port}";

    /// <summary>How many queries arrived, over both transports.</summary>
    public int Queries => Volatile.Read(ref _queries);

    /// <summary>How many of <see cref="Queries"/> came over TCP.</summary>
    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    /// <summary>The query turned into an empty NOERROR answer (QR set, rcode cleared; RFC 1035 §4.1.1).</summary>
    public static byte[] EmptyAnswer(byte[] query)
    {
        var reply = (byte[])query.Clone();
        reply[2] |= 0x80;
        reply[3] &= 0xF0;
        return reply;
    }

    /// <summary>
    /// The query turned into an empty answer with the TC flag set (RFC 1035 §4.1.1): what a server sends over UDP when
    /// the answer does not fit, or a rate-limiting server's "slip" (RRL), to send the client to TCP.
    /// </summary>
    public static byte[] Truncated(byte[] query)
    {
        var reply = EmptyAnswer(query);
        reply[2] |= 0x02;
        return reply;
    }

    /// <summary>A TCP answer of <paramref name="reply"/>'s bytes, for a server that answers over TCP otherwise than over UDP.</summary>
    public static Func<NetworkStream, byte[], CancellationToken, Task> OverTcp(Func<byte[], byte[]?> reply) =>
        (stream, query, cancellationToken) => reply(query) is { } bytes ? AnswerOverTcpAsync(stream, bytes, cancellationToken) : Task.CompletedTask;

    /// <summary>The record type a query asks for (QTYPE, after the question's name; RFC 1035 §4.1.2).</summary>
    public static ushort QuestionType(byte[] query) => BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(QuestionEnd(query) - 4));

    /// <summary>
    /// An authoritative NOERROR answer to the query with one record of <paramref name="type"/> at the queried name
    /// for each RDATA given, written octet for octet (RFC 1035 §4.1), so a test can send data a zone server would
    /// not: any TTL, any octets in a character string, types a client may not know.
    /// </summary>
    public static byte[] Answer(byte[] query, ushort type, uint ttl, params byte[][] rdatas)
    {
        var questionEnd = QuestionEnd(query);
        var message = new List<byte> { query[0], query[1], 0x84, 0x00, 0, 1, (byte)(rdatas.Length >> 8), (byte)rdatas.Length, 0, 0, 0, 0 };
        message.AddRange(query[12..questionEnd]);
        foreach (var rdata in rdatas)
        {
            // The owner is a compression pointer to the question's name, at offset 12.
            message.AddRange([0xC0, 0x0C, (byte)(type >> 8), (byte)type, 0x00, 0x01,
                (byte)(ttl >> 24), (byte)(ttl >> 16), (byte)(ttl >> 8), (byte)ttl, (byte)(rdata.Length >> 8), (byte)rdata.Length]);
            message.AddRange(rdata);
        }

        return [.. message];
    }

    /// <summary>Where the question of a query with one question ends: after its name's labels, its type and its class.</summary>
    private static int QuestionEnd(byte[] query)
    {
        var end = 12;
        while (query[end] != 0)
        {
            end += query[end] + 1;
        }

        return end + 1 + 4;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Dispose();
        _stop.Dispose();
    }

    private async Task ServeUdpAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var received = await _udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cancellationToken);
                Interlocked.Increment(ref _queries);
                if (_reply(buffer[..received.ReceivedBytes]) is { } reply)
                {
                    await _udp.SendToAsync(reply, received.RemoteEndPoint, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeTcpAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var connection = await _tcp.AcceptAsync(cancellationToken);
                _ = AnswerTcpAsync(connection, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>Writes the reply framed with its length (RFC 1035 §4.2.2), then holds the connection open as a server would, until the client is done or the server stops.</summary>
    private static async Task AnswerOverTcpAsync(NetworkStream stream, byte[] reply, CancellationToken cancellationToken)
    {
        var framed = new byte[2 + reply.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
        reply.CopyTo(framed, 2);
        await stream.WriteAsync(framed, cancellationToken);
        _ = await stream.ReadAsync(new byte[1], cancellationToken);
    }

    private async Task AnswerTcpAsync(Socket connection, CancellationToken cancellationToken)
    {
        using (connection)
        await using (var stream = new NetworkStream(connection))
        {
            try
            {
                var length = new byte[2];
                await stream.ReadExactlyAsync(length, cancellationToken);
                var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                await stream.ReadExactlyAsync(query, cancellationToken);
                Interlocked.Increment(ref _queries);
                Interlocked.Increment(ref _tcpQueries);
                if (_tcpReply is not null)
                {
                    await _tcpReply(stream, query, cancellationToken);
                }
                else if (_reply(query) is { } reply)
                {
                    await AnswerOverTcpAsync(stream, reply, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException or SocketException or EndOfStreamException)
            {
            }
        }
    }
}
