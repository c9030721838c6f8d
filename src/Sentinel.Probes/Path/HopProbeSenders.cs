using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// Sends one TTL-limited probe packet of a path run (an ICMP echo request, a UDP datagram or a TCP SYN) and waits
/// for what answers it.
/// </summary>
internal interface IHopProbeSender
{
    /// <summary>
    /// Sends one probe packet with <paramref name="ttl"/> and waits up to the section's reply timeout for its answer:
    /// the destination's (<see cref="IcmpReplyKind.EchoReply"/> or <see cref="IcmpReplyKind.Arrived"/>), a router's
    /// "time exceeded", or "unreachable".
    /// </summary>
    Task<EchoOutcome> SendAsync(int ttl, CancellationToken cancellationToken);
}

/// <summary>The hop probe senders of the path protocols, and what the UDP and TCP senders share.</summary>
internal static class HopProbeSenders
{
    /// <summary>The sender for the section's protocol; all of them read ICMP answers from <paramref name="icmp"/>'s raw socket.</summary>
    public static IHopProbeSender Create(IcmpSession icmp, IPAddress target, PathSection section, TimeProvider time) => section.Protocol switch
    {
        PathProtocol.Udp => new UdpDatagramSender(icmp, target, section, time),
        PathProtocol.Tcp => new TcpSynSender(icmp, target, section, time),
        _ => new EchoRequestSender(icmp, target, section),
    };

    /// <summary>
    /// A socket of the probe's own, bound to an ephemeral port (the port that tells its ICMP answers from every other
    /// probe's) and sending with <paramref name="ttl"/>.
    /// </summary>
    public static HopProbeSocket Open(IPAddress target, SocketType type, ProtocolType protocol, int ttl)
    {
        var socket = new Socket(target.AddressFamily, type, protocol);
        try
        {
            socket.Bind(new IPEndPoint(target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            socket.Ttl = (short)ttl;
            return new HopProbeSocket(socket, (ushort)((IPEndPoint)socket.LocalEndPoint!).Port);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What an ICMP answer to a UDP or TCP probe says. "Port unreachable" from the destination itself means the probe
    /// arrived (nothing listens on the port, as traceroute's UDP probes intend); from anyone else it is unreachable.
    /// </summary>
    public static EchoOutcome FromIcmp((IcmpReplyKind Kind, byte Code, IPAddress From, long Received) answer, IPAddress target, long sent, TimeProvider time)
    {
        var portUnreachable = answer.Code == (target.AddressFamily == AddressFamily.InterNetworkV6 ? 4 : 3);
        var kind = answer.Kind == IcmpReplyKind.Unreachable && portUnreachable && answer.From.Equals(target) ? IcmpReplyKind.Arrived : answer.Kind;
        return new EchoOutcome(kind, answer.Code, answer.From, time.GetElapsedTime(sent, answer.Received), null, null);
    }

    /// <summary>The destination's own answer (a UDP reply, a SYN-ACK, a RST) read at <paramref name="received"/>.</summary>
    public static EchoOutcome Arrived(IPAddress target, long sent, long received, TimeProvider time) =>
        new(IcmpReplyKind.Arrived, 0, target, time.GetElapsedTime(sent, received), null, null);

    /// <summary>ICMP echo requests, as mtr sends them by default, through the session's own raw socket.</summary>
    private sealed class EchoRequestSender(IcmpSession icmp, IPAddress target, PathSection section) : IHopProbeSender
    {
        public Task<EchoOutcome> SendAsync(int ttl, CancellationToken cancellationToken) =>
            icmp.ProbeAsync(target, ttl, section.Size, section.ReplyTimeout, cancellationToken);
    }
}

/// <summary>The socket of one UDP or TCP probe and the local port its ICMP answers quote.</summary>
/// <param name="Socket">The socket.</param>
/// <param name="Port">Its local port.</param>
internal sealed record HopProbeSocket(Socket Socket, ushort Port) : IDisposable
{
    public void Dispose() => Socket.Dispose();
}
