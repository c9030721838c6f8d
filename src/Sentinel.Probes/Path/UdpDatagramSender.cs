using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// UDP probes, as <c>mtr -u</c> and traceroute send them: one datagram per probe, from a socket of its own whose
/// source port tells its answers apart, with the TTL set on that socket, to <c>port</c> on the destination.
/// Routers answer "time exceeded" on the session's raw ICMP socket, quoting the datagram's ports; the destination
/// answers "port unreachable" when nothing listens on the port, or the service there answers the datagram.
/// </summary>
internal sealed class UdpDatagramSender(IcmpSession icmp, IPAddress target, PathSection section, TimeProvider time) : IHopProbeSender
{
    private const int UdpHeaderLength = 8;

    public async Task<EchoOutcome> SendAsync(int ttl, CancellationToken cancellationToken)
    {
        using var probe = HopProbeSenders.Open(target, SocketType.Dgram, ProtocolType.Udp, ttl);
        var socket = probe.Socket;
        using var expected = icmp.Expect(ProbeProtocol.Udp, probe.Port, target);
        var header = target.AddressFamily == AddressFamily.InterNetworkV6 ? IcmpPacket.Ipv6HeaderLength : IcmpPacket.Ipv4HeaderLength;
        var payload = new byte[Math.Max(0, section.Size - header - UdpHeaderLength)];
        long sent;
        try
        {
            sent = time.GetTimestamp();
            socket.SendTo(payload, new IPEndPoint(target, section.Port));
        }
        catch (SocketException ex)
        {
            return EchoOutcome.Failed(ex.SocketErrorCode, ex.Message);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reply = ReplyAsync(socket, stop.Token);
        try
        {
            var first = await Task.WhenAny(expected.Answer, reply).WaitAsync(section.ReplyTimeout, time, cancellationToken).ConfigureAwait(false);
            return first == reply
                ? HopProbeSenders.Arrived(target, sent, reply.Result, time)
                : HopProbeSenders.FromIcmp(expected.Answer.Result, target, sent, time);
        }
        catch (TimeoutException)
        {
            return EchoOutcome.Lost;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await ((Task)reply).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>When a datagram from the destination came back: completes only then (a socket error waits for the ICMP answer instead).</summary>
    private async Task<long> ReplyAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        var any = new IPEndPoint(target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (true)
        {
            try
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                if (received.RemoteEndPoint is IPEndPoint from && from.Address.Equals(target))
                {
                    return time.GetTimestamp();
                }
            }
            catch (SocketException)
            {
                // Errors on an unconnected socket say nothing the raw socket's ICMP answer does not say better.
                await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
