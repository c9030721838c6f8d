using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// TCP SYN probes, as <c>mtr -T</c> sends them: a non-blocking connect per probe to <c>port</c> on the destination,
/// from a socket of its own whose source port tells its answers apart, with the TTL set on that socket. Routers
/// answer "time exceeded" on the session's raw ICMP socket, quoting the SYN's ports; the destination answers with
/// a SYN-ACK (something listens) or a RST (nothing does): either way the probe arrived. Networks that filter or
/// de-prioritise ICMP echo often pass these, since they look like the traffic the path carries.
/// </summary>
internal sealed class TcpSynSender(IcmpSession icmp, IPAddress target, PathSection section, TimeProvider time) : IHopProbeSender
{
    public async Task<EchoOutcome> SendAsync(int ttl, CancellationToken cancellationToken)
    {
        using var probe = HopProbeSenders.Open(target, SocketType.Stream, ProtocolType.Tcp, ttl);
        var socket = probe.Socket;

        // Closed with a RST, not a FIN: a probe leaves no connection open on the destination nor a TIME_WAIT here.
        socket.LingerState = new LingerOption(true, 0);
        using var expected = icmp.Expect(ProbeProtocol.Tcp, probe.Port, target);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sent = time.GetTimestamp();
        var attempt = socket.ConnectAsync(new IPEndPoint(target, section.Port), stop.Token).AsTask();

        // Failed within the connect call itself, before a SYN went out: no route from this node, or a local firewall.
        // (A "time exceeded" also fails the connect, as a hard error in SYN-SENT, but only a round trip later, by
        // when the raw socket has the message.)
        if (attempt is { IsFaulted: true, Exception.InnerException: SocketException { SocketErrorCode: not SocketError.ConnectionRefused } local }
            && !expected.Answer.IsCompleted)
        {
            return EchoOutcome.Failed(local.SocketErrorCode, local.Message);
        }

        var connect = CompletionAsync(attempt);
        try
        {
            var first = await Task.WhenAny(expected.Answer, connect).WaitAsync(section.ReplyTimeout, time, cancellationToken).ConfigureAwait(false);
            if (first == connect && connect.Result.Error is SocketError.Success or SocketError.ConnectionRefused)
            {
                return HopProbeSenders.Arrived(target, sent, connect.Result.At, time);
            }

            // An ICMP error answered the SYN (and failed the connect, a hard error in SYN-SENT): its message says who and why.
            var remaining = section.ReplyTimeout - time.GetElapsedTime(sent);
            var answer = await expected.Answer.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time, cancellationToken).ConfigureAwait(false);
            return HopProbeSenders.FromIcmp(answer, target, sent, time);
        }
        catch (TimeoutException)
        {
            return EchoOutcome.Lost;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await ((Task)connect).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The connect's outcome and when it came: success (SYN-ACK), refused (RST), or another error.</summary>
    private async Task<(long At, SocketError Error)> CompletionAsync(Task connect)
    {
        try
        {
            await connect.ConfigureAwait(false);
            return (time.GetTimestamp(), SocketError.Success);
        }
        catch (SocketException ex)
        {
            return (time.GetTimestamp(), ex.SocketErrorCode);
        }
    }
}
