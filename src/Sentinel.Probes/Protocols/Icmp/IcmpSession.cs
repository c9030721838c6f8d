using System.Net;
using System.Net.Sockets;

namespace Sentinel.Probes.Protocols.Icmp;

/// <summary>
/// Echo requests with a chosen TTL over one raw ICMP socket, and the answers matched back to them: the
/// socket code that the <c>icmp</c> and <c>path</c> probes share.
/// </summary>
/// <remarks>
/// Raw sockets, not <see cref="System.Net.NetworkInformation.Ping"/>: Ping reports whole milliseconds only,
/// gives no say over identifier and sequence, and without CAP_NET_RAW on Linux it runs the ping binary
/// instead, which a probe must not depend on. Every raw ICMP socket on a host receives every ICMP message,
/// so answers are matched by this session's random echo identifier, the sequence number, and the address
/// the probe went to (quoted in ICMP errors). Answers are read on a dedicated thread blocked in recvfrom, so
/// that the receive timestamp is taken as soon as the kernel hands the packet over, as mtr and ping do,
/// without a thread-pool hop in between.
/// </remarks>
internal sealed class IcmpSession : IDisposable
{
    private const int ReceiveBufferSize = 2048;

    private readonly Socket _socket;
    private readonly TimeProvider _time;
    private readonly AddressFamily _family;
    private readonly Dictionary<(ProbeProtocol, ushort), Pending> _pending = [];
    private readonly Lock _sendLock = new();
    private readonly Thread _receiver;
    private ushort _nextSequence;
    private volatile bool _disposed;

    private IcmpSession(Socket socket, AddressFamily family, TimeProvider time)
    {
        _socket = socket;
        _family = family;
        _time = time;
        Identifier = (ushort)Random.Shared.Next(1, ushort.MaxValue);
        _nextSequence = (ushort)Random.Shared.Next(0, ushort.MaxValue);
        _receiver = new Thread(Receive, maxStackSize: 256 * 1024) { IsBackground = true, Name = "sentinel-icmp-receive" };
        _receiver.Start();
    }

    /// <summary>The echo identifier of this session's probes.</summary>
    public ushort Identifier { get; }

    /// <summary>A socket error that stopped the receiving thread, if any; later probes then count as lost.</summary>
    public SocketException? ReceiveError { get; private set; }

    /// <summary>
    /// Opens a raw ICMP (or ICMPv6) socket. Throws <see cref="SocketException"/> when the process may not:
    /// <see cref="SocketError.AccessDenied"/> without CAP_NET_RAW.
    /// </summary>
    public static IcmpSession Open(AddressFamily family, TimeProvider time)
    {
        var socket = family == AddressFamily.InterNetworkV6
            ? new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6)
            : new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
        try
        {
            Filter(socket, family);

            // .NET reads datagrams only from a bound socket; a raw socket's "port" is meaningless, any address will do.
            socket.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            return new IcmpSession(socket, family, time);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one echo request to <paramref name="target"/> with <paramref name="ttl"/> and waits up to
    /// <paramref name="replyTimeout"/> for what answers it: an echo reply, time exceeded, or unreachable.
    /// </summary>
    public async Task<EchoOutcome> ProbeAsync(IPAddress target, int ttl, int packetSize, TimeSpan replyTimeout, CancellationToken cancellationToken)
    {
        var buffer = new byte[IcmpPacket.IcmpLength(_family, packetSize)];
        var pending = new Pending(target);
        ushort sequence;
        long sent;
        lock (_sendLock)
        {
            sequence = _nextSequence++;
            IcmpPacket.WriteEchoRequest(buffer, _family, Identifier, sequence);
            lock (_pending)
            {
                _pending[(ProbeProtocol.IcmpEcho, sequence)] = pending;
            }

            try
            {
                // The TTL is a socket option, so setting it and sending must not interleave with another probe.
                SetTtl(ttl);
                sent = _time.GetTimestamp();
                _socket.SendTo(buffer, new IPEndPoint(target, 0));
            }
            catch (SocketException ex)
            {
                Forget((ProbeProtocol.IcmpEcho, sequence));
                return EchoOutcome.Failed(ex.SocketErrorCode, ex.Message);
            }
        }

        try
        {
            var (kind, code, from, received) = await pending.Answer.Task.WaitAsync(replyTimeout, _time, cancellationToken).ConfigureAwait(false);
            return new EchoOutcome(kind, code, from, _time.GetElapsedTime(sent, received), null, null) { HopLimit = pending.HopLimit };
        }
        catch (TimeoutException)
        {
            return EchoOutcome.Lost;
        }
        finally
        {
            Forget((ProbeProtocol.IcmpEcho, sequence));
        }
    }

    /// <summary>
    /// Expects the ICMP answer to a UDP or TCP probe that another socket sends from local port
    /// <paramref name="port"/> to <paramref name="target"/>: the errors routers send quote the probe's ports,
    /// and reach this raw socket as every ICMP message does. Call it before sending; dispose it when done.
    /// </summary>
    public Expectation Expect(ProbeProtocol protocol, ushort port, IPAddress target)
    {
        var pending = new Pending(target);
        lock (_pending)
        {
            _pending[(protocol, port)] = pending;
        }

        return new Expectation(this, (protocol, port), pending.Answer.Task);
    }

    public void Dispose()
    {
        _disposed = true;

        // Closing the socket wakes the receiving thread from recvfrom with an error, which ends it.
        _socket.Dispose();
    }

    private void Receive()
    {
        var buffer = new byte[ReceiveBufferSize];
        EndPoint any = new IPEndPoint(_family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_disposed)
        {
            int length;
            EndPoint from = any;
            try
            {
                length = _socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException ex)
            {
                if (!_disposed)
                {
                    ReceiveError = ex;
                }

                return;
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                // Closed under us (disposed) or unusable: either way no more answers; pending probes time out.
                return;
            }

            var received = _time.GetTimestamp();
            var packet = buffer.AsSpan(0, length);
            var parsed = _family == AddressFamily.InterNetworkV6
                ? IcmpPacket.TryParseV6(packet, ((IPEndPoint)from).Address, out var reply)
                : IcmpPacket.TryParseV4(packet, out reply);
            // Echo answers carry this session's identifier; UDP and TCP answers are told apart by their source port.
            if (parsed && (reply.Protocol != ProbeProtocol.IcmpEcho || reply.Identifier == Identifier))
            {
                // An IPv4 raw socket hands over the IP header: its TTL is the reply's remaining hop limit (byte 8).
                Match(reply, received, _family == AddressFamily.InterNetwork && length > 8 ? packet[8] : null);
            }
        }
    }

    private void Match(IcmpReply reply, long received, byte? hopLimit)
    {
        Pending? pending;
        var key = reply.Protocol == ProbeProtocol.IcmpEcho ? (reply.Protocol, reply.Sequence) : (reply.Protocol, reply.Identifier);
        lock (_pending)
        {
            _pending.TryGetValue(key, out pending);
        }

        // Another session may share the identifier by chance; the probe's destination must match too.
        if (pending is not null && pending.Target.Equals(reply.Destination))
        {
            pending.HopLimit = hopLimit;
            pending.Answer.TrySetResult((reply.Kind, reply.Code, reply.From, received));
        }
    }

    private void Forget((ProbeProtocol, ushort) key)
    {
        lock (_pending)
        {
            _pending.Remove(key);
        }
    }

    private void SetTtl(int ttl)
    {
        if (_family == AddressFamily.InterNetworkV6)
        {
            _socket.SetRawSocketOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, BitConverter.GetBytes(ttl));
        }
        else
        {
            _socket.SetRawSocketOption(IPPROTO_IP, IP_TTL, BitConverter.GetBytes(ttl));
        }
    }

    /// <summary>
    /// Asks the kernel to pass only the ICMP types a probe can be answered with, so that a busy host's other
    /// ICMP traffic does not wake the receiving thread (Linux ICMP_FILTER, raw(7); ICMP6_FILTER, RFC 3542).
    /// </summary>
    private static void Filter(Socket socket, AddressFamily family)
    {
        if (family == AddressFamily.InterNetworkV6)
        {
            // icmp6_filter: 256 bits, a set bit blocks that type.
            var blocked = new uint[8];
            Array.Fill(blocked, uint.MaxValue);
            foreach (var type in new[] { 1, 3, 129 })
            {
                blocked[type >> 5] &= ~(1u << (type & 31));
            }

            var bytes = new byte[32];
            Buffer.BlockCopy(blocked, 0, bytes, 0, 32);
            socket.SetRawSocketOption(IPPROTO_ICMPV6, ICMP6_FILTER, bytes);
        }
        else
        {
            // A set bit blocks that type: let echo reply (0), unreachable (3) and time exceeded (11) through.
            var blocked = ~((1u << 0) | (1u << 3) | (1u << 11));
            socket.SetRawSocketOption(SOL_RAW, ICMP_FILTER, BitConverter.GetBytes(blocked));
        }
    }

    // Linux constants (netinet/in.h, linux/icmp.h, netinet/icmp6.h).
#pragma warning disable SA1310, IDE1006
    private const int IPPROTO_IP = 0;
    private const int IP_TTL = 2;
    private const int IPPROTO_IPV6 = 41;
    private const int IPV6_UNICAST_HOPS = 16;
    private const int IPPROTO_ICMPV6 = 58;
    private const int ICMP6_FILTER = 1;
    private const int SOL_RAW = 255;
    private const int ICMP_FILTER = 1;
#pragma warning restore SA1310, IDE1006

    private sealed class Pending(IPAddress target)
    {
        public IPAddress Target { get; } = target;

        /// <summary>The TTL of the answer's IP header, when the socket saw it; set before <see cref="Answer"/> completes.</summary>
        public byte? HopLimit { get; set; }

        public TaskCompletionSource<(IcmpReplyKind Kind, byte Code, IPAddress From, long Received)> Answer { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>An ICMP answer expected for a UDP or TCP probe (<see cref="Expect"/>).</summary>
    internal sealed class Expectation(IcmpSession session, (ProbeProtocol, ushort) key, Task<(IcmpReplyKind Kind, byte Code, IPAddress From, long Received)> answer) : IDisposable
    {
        /// <summary>Completes with the answer and the timestamp it was read at.</summary>
        public Task<(IcmpReplyKind Kind, byte Code, IPAddress From, long Received)> Answer { get; } = answer;

        public void Dispose() => session.Forget(key);
    }
}

/// <summary>What became of one echo request.</summary>
/// <param name="Kind">The kind of answer; null when none came in time (or sending failed).</param>
/// <param name="Code">The ICMP code of the answer.</param>
/// <param name="From">Who answered.</param>
/// <param name="Rtt">From just before the send to just after the answer was read.</param>
/// <param name="SendError">Why the request could not be sent, when it could not.</param>
/// <param name="SendErrorMessage">The operating system's message for <paramref name="SendError"/>.</param>
internal readonly record struct EchoOutcome(IcmpReplyKind? Kind, byte Code, IPAddress? From, TimeSpan Rtt, SocketError? SendError, string? SendErrorMessage)
{
    /// <summary>The TTL of the answer's IP header (IPv4), when it came and the socket saw it.</summary>
    public byte? HopLimit { get; init; }

    public static EchoOutcome Lost => default;

    public static EchoOutcome Failed(SocketError error, string message) => new(null, 0, null, TimeSpan.Zero, error, message);
}
